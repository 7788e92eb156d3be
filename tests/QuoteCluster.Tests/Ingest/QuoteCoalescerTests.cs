using QuoteCluster.Ingest;
using QuoteCluster.Feeds;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Ingest;

public class QuoteCoalescerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 14, 30, 0, TimeSpan.Zero);

    private static QuoteTick At(string symbol, int secondsAfter, double bid, double? last = null) =>
        new(symbol, bid, bid + 0.02, 1, 1, last, T0.AddSeconds(secondsAfter), T0.AddSeconds(secondsAfter), QuoteSources.Simulated);

    private static Dictionary<string, PendingQuote> Take(QuoteCoalescer coalescer)
    {
        var taken = new List<PendingQuote>();
        coalescer.TakeReady(taken);
        return taken.ToDictionary(p => p.Latest.Symbol);
    }

    [Fact]
    public void Keeps_the_newest_quote_per_symbol_and_counts_what_it_replaced()
    {
        var coalescer = new QuoteCoalescer();
        coalescer.OnQuotes([At("AAPL", 1, 10), At("MSFT", 1, 20), At("AAPL", 3, 12), At("AAPL", 2, 11)]);

        var taken = Take(coalescer);
        Assert.Equal(2, taken.Count);
        Assert.Equal(12, taken["AAPL"].Latest.Bid);
        Assert.Equal(3, taken["AAPL"].Count);
        Assert.Equal(1, taken["MSFT"].Count);
        Assert.Equal(4, coalescer.Received);
    }

    [Fact]
    public void Taking_at_most_n_takes_the_longest_ready_and_the_rest_keep_coalescing_until_their_turn()
    {
        var coalescer = new QuoteCoalescer();
        coalescer.OnQuotes([At("AAPL", 1, 10), At("MSFT", 1, 20), At("SPY", 1, 30)]);

        var first = new List<PendingQuote>();
        coalescer.TakeReady(first, most: 2);
        Assert.Equal(["AAPL", "MSFT"], first.Select(p => p.Latest.Symbol));

        // SPY waited: the quote it is delivered with is the newest that arrived meanwhile.
        coalescer.OnQuotes([At("SPY", 2, 31)]);
        var second = Take(coalescer);
        Assert.Equal(["SPY"], second.Keys);
        Assert.Equal(31, second["SPY"].Latest.Bid);
        Assert.Equal(2, second["SPY"].Count);
    }

    [Fact]
    public void A_quote_without_a_trade_price_keeps_the_one_seen_earlier_in_the_batch()
    {
        var coalescer = new QuoteCoalescer();
        coalescer.OnQuotes([At("AAPL", 1, 10, last: 10.01), At("AAPL", 2, 11)]);
        Assert.Equal(10.01, Take(coalescer)["AAPL"].Latest.LastPrice);
    }

    [Fact]
    public void A_failed_delivery_is_pending_again_without_losing_newer_quotes()
    {
        var coalescer = new QuoteCoalescer();
        coalescer.OnQuotes([At("AAPL", 1, 10)]);
        var failed = Take(coalescer)["AAPL"];

        coalescer.OnQuotes([At("AAPL", 5, 15)]);
        coalescer.Failed(failed);

        var second = Take(coalescer);
        Assert.Equal(15, second["AAPL"].Latest.Bid);
        Assert.Equal(2, second["AAPL"].Count);
    }

    [Fact]
    public void A_symbol_in_flight_keeps_coalescing_while_the_others_go_on()
    {
        var coalescer = new QuoteCoalescer();
        coalescer.OnQuotes([At("HUNG", 1, 10), At("AAPL", 1, 20)]);
        var first = Take(coalescer);
        coalescer.Delivered(first["AAPL"]);

        // HUNG's call has not returned: its new quotes wait, AAPL's go.
        coalescer.OnQuotes([At("HUNG", 2, 11), At("HUNG", 3, 12), At("AAPL", 2, 21)]);
        var second = Take(coalescer);
        Assert.Equal(["AAPL"], second.Keys);

        // When it returns, HUNG's newest quote is ready at once, standing for both quotes it replaced.
        coalescer.Delivered(first["HUNG"]);
        var third = Take(coalescer);
        Assert.Equal(12, third["HUNG"].Latest.Bid);
        Assert.Equal(2, third["HUNG"].Count);
    }

    [Fact]
    public void Redelivery_hands_out_each_symbols_last_delivered_quote_unless_a_newer_one_waits()
    {
        var coalescer = new QuoteCoalescer();
        coalescer.OnQuotes([At("AAPL", 1, 10), At("MSFT", 1, 20)]);
        foreach (var pending in Take(coalescer).Values) coalescer.Delivered(pending);
        coalescer.OnQuotes([At("MSFT", 2, 21)]);

        coalescer.RedeliverLatest();
        var again = Take(coalescer);
        Assert.Equal(10, again["AAPL"].Latest.Bid);
        Assert.Equal(0, again["AAPL"].Count);
        Assert.Equal(21, again["MSFT"].Latest.Bid);
    }

    [Fact]
    public void A_future_dated_quote_does_not_hold_back_the_next_real_one()
    {
        var coalescer = new QuoteCoalescer();
        var future = At("AAPL", 1, 10) with { ExchangeTime = T0.AddDays(365) };
        coalescer.OnQuotes([future, At("AAPL", 2, 11)]);
        Assert.Equal(11, Take(coalescer)["AAPL"].Latest.Bid);
    }
}
