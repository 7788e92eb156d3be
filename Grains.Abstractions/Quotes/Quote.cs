namespace QuoteCluster.Quotes;

/// <summary>One top-of-book quote for a symbol, as the feed delivered it.</summary>
/// <remarks>Parameter order is the wire contract: append new fields at the end with a new id, never reorder.</remarks>
[GenerateSerializer, Immutable, Alias("QuoteCluster.Quote")]
public sealed record Quote(
    [property: Id(0)] string Symbol,
    [property: Id(1)] double Bid,
    [property: Id(2)] double Ask,
    [property: Id(3)] long BidSize,
    [property: Id(4)] long AskSize,
    [property: Id(5)] double? LastPrice,
    [property: Id(6)] DateTimeOffset ExchangeTime,
    [property: Id(7)] DateTimeOffset ReceivedAt,
    [property: Id(8)] string Source)
{
    public double Mid => (Bid + Ask) / 2;

    /// <summary>The `price` our users' UIs show: the last trade when one is known, else the mid.</summary>
    public double Price => LastPrice ?? Mid;

    /// <summary>This quote, showing <paramref name="lastKnown"/> when it has no last price of its own.</summary>
    /// <remarks>
    /// Alpaca sends bid and ask in quote messages and the price in trade messages, so most quotes come without a last
    /// price; the symbol's last trade stands until a newer one replaces it.
    /// </remarks>
    public Quote WithCarriedLastPrice(double? lastKnown) =>
        LastPrice is null && lastKnown is not null ? this with { LastPrice = lastKnown } : this;
}

/// <summary>Where a quote came from; written to Firestore as `source`.</summary>
public static class QuoteSources
{
    public const string Alpaca = "alpaca";
    public const string Simulated = "simulated";
}
