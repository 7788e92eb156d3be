using QuoteCluster.Quotes;

namespace QuoteCluster.Api;

/// <summary>A quote as API clients see it: the Firestore field names plus the mid and the version.</summary>
public sealed record QuoteView(
    string Symbol, double Bid, double Ask, double Price, double Mid, long BidSize, long AskSize, double? LastPrice,
    DateTimeOffset Ts, DateTimeOffset ReceivedAt, string Source, long Version)
{
    public static QuoteView From(QuoteUpdate update)
    {
        var q = update.Quote;
        return new QuoteView(q.Symbol, q.Bid, q.Ask, q.Price, q.Mid, q.BidSize, q.AskSize, q.LastPrice, q.ExchangeTime, q.ReceivedAt, q.Source, update.Version);
    }
}
