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

    public Quote ToQuote() => new(Symbol, Bid, Ask, BidSize, AskSize, LastPrice, ExchangeTime, ReceivedAt, Source);
}
