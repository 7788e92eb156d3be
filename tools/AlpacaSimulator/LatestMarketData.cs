using System.Collections.Concurrent;
using QuoteCluster.Feeds.Simulation;

namespace QuoteCluster.AlpacaSimulator;

/// <summary>The newest quote and trade the simulator has sent of each symbol, over all sessions: what its REST API answers.</summary>
internal sealed class LatestMarketData(SimulatorOptions options)
{
    private readonly ConcurrentDictionary<string, MarketItem> _quotes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MarketItem> _trades = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unlisted = new(options.Unlisted, StringComparer.Ordinal);

    // Ids of trades made up for symbols never sent, apart from the sessions' own.
    private long _madeUpTradeId = 1_000_000_000;

    /// <summary>Symbols the market does not know: no data on the stream, none from the REST API.</summary>
    public bool IsListed(string symbol) => !_unlisted.Contains(symbol);

    public void Record(ReadOnlySpan<MarketItem> items)
    {
        foreach (ref readonly var item in items)
        {
            (item.IsTrade ? _trades : _quotes)[item.Symbol] = item;
        }
    }

    /// <summary>
    /// The newest quote and trade of <paramref name="symbol"/>; for a listed symbol never sent, ones made now at the price
    /// the quote generator starts it from, and kept, so asking again gives the same; null for an unlisted symbol.
    /// </summary>
    public (MarketItem Quote, MarketItem Trade)? Latest(string symbol)
    {
        if (!IsListed(symbol)) return null;
        var quote = _quotes.GetOrAdd(symbol, s =>
        {
            var opening = QuoteGenerator.Opening(s, options.Seed, DateTimeOffset.UtcNow, "alpaca");
            return new MarketItem(false, s, opening.Bid, opening.BidSize, opening.Ask, opening.AskSize, 0, 0, 0, opening.ExchangeTime.UtcDateTime);
        });
        var trade = _trades.GetOrAdd(symbol, s =>
            new MarketItem(true, s, 0, 0, 0, 0, Math.Round((quote.BidPrice + quote.AskPrice) / 2, 2), 100, Interlocked.Increment(ref _madeUpTradeId), quote.Timestamp));
        return (quote, trade);
    }
}
