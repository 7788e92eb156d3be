using QuoteCluster.Ingest;
using QuoteCluster.Feeds;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Ingest;

public class QuoteCoalescerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 14, 30, 0, TimeSpan.Zero);

    private static QuoteTick At(string symbol, int secondsAfter, double bid, double? last = null) =>
        new(symbol, bid, bid + 0.02, 1, 1, last, T0.AddSeconds(secondsAfter), T0.AddSeconds(secondsAfter), QuoteSources.Simulated);

    [Fact]
    public void Keeps_the_newest_quote_per_symbol_and_counts_what_it_replaced()
    {
        var coalescer = new QuoteCoalescer();
        coalescer.OnQuotes([At("AAPL", 1, 10), At("MSFT", 1, 20), At("AAPL", 3, 12), At("AAPL", 2, 11)]);

        var drained = coalescer.Drain();
        Assert.Equal(2, drained.Count);
        Assert.Equal(12, drained["AAPL"].Latest.Bid);
        Assert.Equal(3, drained["AAPL"].Count);
        Assert.Equal(1, drained["MSFT"].Count);
        Assert.Equal(4, coalescer.Received);
    }

    [Fact]
    public void A_quote_without_a_trade_price_keeps_the_one_seen_earlier_in_the_batch()
    {
        var coalescer = new QuoteCoalescer();
        coalescer.OnQuotes([At("AAPL", 1, 10, last: 10.01), At("AAPL", 2, 11)]);
        Assert.Equal(10.01, coalescer.Drain()["AAPL"].Latest.LastPrice);
    }

    [Fact]
    public void Drain_starts_a_new_batch_and_a_failed_delivery_is_restored_without_losing_newer_quotes()
    {
        var coalescer = new QuoteCoalescer();
        coalescer.OnQuotes([At("AAPL", 1, 10)]);
        var first = coalescer.Drain();
        var failed = first["AAPL"];
        coalescer.Recycle(first);

        coalescer.OnQuotes([At("AAPL", 5, 15)]);
        coalescer.Restore(failed);

        var second = coalescer.Drain();
        Assert.Equal(15, second["AAPL"].Latest.Bid);
        Assert.Equal(2, second["AAPL"].Count);
    }
}
