using QuoteCluster.Feeds;
using QuoteCluster.Ingest;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Ingest;

public class SymbolDiscoveryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 14, 30, 0, TimeSpan.Zero);

    private static QuoteTick At(string symbol, int secondsAfter) =>
        new(symbol, 10, 10.02, 1, 1, null, T0.AddSeconds(secondsAfter), T0.AddSeconds(secondsAfter), QuoteSources.Alpaca);

    [Fact]
    public void Symbols_are_listed_in_order_of_arrival_once_each()
    {
        var coalescer = new QuoteCoalescer();
        coalescer.OnQuotes([At("MSFT", 1), At("AAPL", 1), At("MSFT", 2)]);
        coalescer.OnQuotes([At("SPY", 3)]);
        Assert.Equal(["MSFT", "AAPL", "SPY"], coalescer.Symbols);
        Assert.Equal((0L, 0, (string?)null), coalescer.Dropped);
    }

    [Fact]
    public void Symbols_past_the_bound_are_dropped_and_counted_while_known_ones_keep_flowing()
    {
        var coalescer = new QuoteCoalescer(maxSymbols: 2);
        coalescer.OnQuotes([At("AAPL", 1), At("MSFT", 1), At("SPY", 1), At("QQQ", 1), At("SPY", 2), At("AAPL", 3)]);

        Assert.Equal(["AAPL", "MSFT"], coalescer.Symbols);
        Assert.Equal((3L, 2, "SPY"), coalescer.Dropped);
        var taken = new List<PendingQuote>();
        coalescer.TakeReady(taken);
        Assert.Equal(["AAPL", "MSFT"], taken.Select(p => p.Latest.Symbol).Order());
        Assert.Equal(T0.AddSeconds(3), taken.Single(p => p.Latest.Symbol == "AAPL").Latest.ExchangeTime);
    }
}
