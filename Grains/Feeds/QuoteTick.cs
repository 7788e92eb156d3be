using QuoteCluster.Quotes;

namespace QuoteCluster.Feeds;

/// <summary>One quote as a feed hands it over: the fields of <see cref="Quote"/>, as a value.</summary>
/// <remarks>
/// A feed delivers millions of these a second and the ingest path keeps one per symbol per batch, so feeds hand over
/// values and the <see cref="Quote"/> object is made only for the quote that survives coalescing.
/// </remarks>
public readonly record struct QuoteTick(
    string Symbol,
    double Bid,
    double Ask,
    long BidSize,
    long AskSize,
    double? LastPrice,
    DateTimeOffset ExchangeTime,
    DateTimeOffset ReceivedAt,
    string Source)
{
    public double Mid => (Bid + Ask) / 2;

    /// <summary>This tick, showing <paramref name="lastKnown"/> when it has no last price of its own.</summary>
    /// <remarks>
    /// The rule of <see cref="Quote.WithCarriedLastPrice"/>, kept beside it on the value because going through a
    /// <see cref="Quote"/> would allocate one per message, and only the tick that survives coalescing becomes one.
    /// </remarks>
    public QuoteTick WithCarriedLastPrice(double? lastKnown) =>
        LastPrice is null && lastKnown is not null ? this with { LastPrice = lastKnown } : this;

    public Quote ToQuote() => new(Symbol, Bid, Ask, BidSize, AskSize, LastPrice, ExchangeTime, ReceivedAt, Source);
}
