using QuoteCluster.Feeds;
using QuoteCluster.Feeds.Alpaca;
using QuoteCluster.Ingest;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Alpaca;

public sealed class AlpacaBookTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 14, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset ReceivedAt = T0.AddSeconds(30);
    private static readonly HashSet<string> Wanted = new(StringComparer.Ordinal) { "AAPL", "MSFT" };

    private readonly AlpacaBook _book = new();

    private static AlpacaMarketEvent Quote(string symbol, int id, double bid, double ask, int secondsAfter = 0) => new()
    {
        Kind = AlpacaEventKind.Quote, Symbol = symbol, SymbolId = id,
        BidPrice = bid, AskPrice = ask, BidSize = 3, AskSize = 4, Timestamp = T0.AddSeconds(secondsAfter),
    };

    private static AlpacaMarketEvent Trade(string symbol, int id, double price, int secondsAfter = 0) => new()
    {
        Kind = AlpacaEventKind.Trade, Symbol = symbol, SymbolId = id, Price = price, Size = 100, Timestamp = T0.AddSeconds(secondsAfter),
    };

    private QuoteTick[] Merge(params AlpacaMarketEvent[] events) => Merge(Wanted, 0, events);

    private QuoteTick[] Merge(IReadOnlySet<string> wanted, int wantedVersion, params AlpacaMarketEvent[] events) =>
        _book.Merge(events, wanted, wantedVersion, ReceivedAt, out _, out _).ToArray();

    [Fact]
    public void A_future_dated_timestamp_does_not_stamp_the_ticks_after_it()
    {
        // One bad exchange time a year ahead; the next real quote carries its own time again.
        Merge(Quote("AAPL", 0, 10.00, 10.02, secondsAfter: 365 * 24 * 3600));
        var tick = Assert.Single(Merge(Quote("AAPL", 0, 10.01, 10.03, secondsAfter: 2)));
        Assert.Equal(T0.AddSeconds(2), tick.ExchangeTime);
    }

    [Fact]
    public void A_quote_becomes_a_tick_with_its_bid_ask_sizes_and_time_and_no_last_price()
    {
        var tick = Assert.Single(Merge(Quote("AAPL", 0, 10.00, 10.02, secondsAfter: 1)));
        Assert.Equal(new QuoteTick("AAPL", 10.00, 10.02, 3, 4, null, T0.AddSeconds(1), ReceivedAt, QuoteSources.Alpaca), tick);
    }

    [Fact]
    public void A_trade_after_a_quote_becomes_a_tick_with_that_quote_and_the_trade_price_and_time()
    {
        Merge(Quote("AAPL", 0, 10.00, 10.02, secondsAfter: 1));
        var tick = Assert.Single(Merge(Trade("AAPL", 0, 10.01, secondsAfter: 2)));
        Assert.Equal(new QuoteTick("AAPL", 10.00, 10.02, 3, 4, 10.01, T0.AddSeconds(2), ReceivedAt, QuoteSources.Alpaca), tick);
    }

    [Fact]
    public void A_trade_before_any_quote_makes_no_tick_and_its_price_rides_on_the_first_quote()
    {
        Assert.Empty(Merge(Trade("AAPL", 0, 10.01, secondsAfter: 1)));
        var tick = Assert.Single(Merge(Quote("AAPL", 0, 10.00, 10.02, secondsAfter: 2)));
        Assert.Equal(10.01, tick.LastPrice);
        Assert.Equal((10.00, 10.02, T0.AddSeconds(2)), (tick.Bid, tick.Ask, tick.ExchangeTime));
    }

    [Fact]
    public void A_trade_older_than_the_last_quote_sets_the_last_price_on_a_tick_no_older_than_that_quote()
    {
        // Quotes and trades are separate channels: a trade can arrive after a quote stamped later than it.
        Merge(Quote("AAPL", 0, 10.00, 10.02, secondsAfter: 2));
        var tick = Assert.Single(Merge(Trade("AAPL", 0, 10.01, secondsAfter: 1)));
        Assert.Equal(new QuoteTick("AAPL", 10.00, 10.02, 3, 4, 10.01, T0.AddSeconds(2), ReceivedAt, QuoteSources.Alpaca), tick);
    }

    [Fact]
    public void A_quote_older_than_the_last_trade_shows_its_bid_and_ask_on_a_tick_no_older_than_that_trade()
    {
        Merge(Quote("AAPL", 0, 10.00, 10.02, secondsAfter: 1), Trade("AAPL", 0, 10.01, secondsAfter: 3));
        var tick = Assert.Single(Merge(Quote("AAPL", 0, 10.10, 10.12, secondsAfter: 2)));
        Assert.Equal((10.10, 10.12, (double?)10.01, T0.AddSeconds(3)), (tick.Bid, tick.Ask, tick.LastPrice, tick.ExchangeTime));
    }

    [Fact]
    public void A_held_trade_newer_than_the_first_quote_stamps_that_quote_s_tick_with_its_own_time()
    {
        Assert.Empty(Merge(Trade("AAPL", 0, 10.01, secondsAfter: 3)));
        var tick = Assert.Single(Merge(Quote("AAPL", 0, 10.00, 10.02, secondsAfter: 2)));
        Assert.Equal((10.01, T0.AddSeconds(3)), (tick.LastPrice, tick.ExchangeTime));
    }

    [Fact]
    public void Each_symbol_s_ticks_never_go_back_in_time_and_show_what_arrived_last()
    {
        // Quotes and trades of two symbols, each kind in order, the kinds interleaved out of time order.
        var ticks = Merge(
            Quote("AAPL", 0, 10.00, 10.02, secondsAfter: 5), Quote("MSFT", 1, 20.00, 20.02, secondsAfter: 1),
            Trade("AAPL", 0, 10.01, secondsAfter: 2), Trade("MSFT", 1, 20.01, secondsAfter: 4),
            Trade("AAPL", 0, 10.03, secondsAfter: 4), Quote("MSFT", 1, 20.10, 20.12, secondsAfter: 3),
            Quote("AAPL", 0, 10.10, 10.12, secondsAfter: 6), Trade("AAPL", 0, 10.11, secondsAfter: 5));
        foreach (var symbol in new[] { "AAPL", "MSFT" })
        {
            var times = ticks.Where(t => t.Symbol == symbol).Select(t => t.ExchangeTime).ToList();
            Assert.Equal(times.Order(), times);
        }

        Assert.Equal([5, 5, 5, 6, 6], ticks.Where(t => t.Symbol == "AAPL").Select(t => (t.ExchangeTime - T0).TotalSeconds));
        Assert.Equal([(double?)null, 10.01, 10.03, 10.03, 10.11], ticks.Where(t => t.Symbol == "AAPL").Select(t => t.LastPrice));
        Assert.Equal((20.10, (double?)20.01), ticks.Where(t => t.Symbol == "MSFT").Select(t => (t.Bid, t.LastPrice)).Last());
    }

    [Fact]
    public void A_trade_older_than_the_last_quote_keeps_its_price_through_the_coalescer()
    {
        // The ingest path keeps the newest tick per symbol by exchange time: a tick stamped with the trade's own, older
        // time would be dropped there, and its price with it.
        var coalescer = new QuoteCoalescer();
        coalescer.OnQuotes(Merge(Quote("AAPL", 0, 10.00, 10.02, secondsAfter: 2)));
        coalescer.OnQuotes(Merge(Trade("AAPL", 0, 10.01, secondsAfter: 1)));
        var taken = new List<PendingQuote>();
        coalescer.TakeReady(taken);
        var pending = Assert.Single(taken);
        Assert.Equal((10.01, 2), (pending.Latest.LastPrice, pending.Count));
    }

    [Fact]
    public void Later_quotes_carry_the_last_trade_price_until_a_newer_trade_replaces_it()
    {
        var ticks = Merge(
            Quote("AAPL", 0, 10.00, 10.02),
            Trade("AAPL", 0, 10.01),
            Quote("AAPL", 0, 10.10, 10.12),
            Quote("AAPL", 0, 10.20, 10.22),
            Trade("AAPL", 0, 10.21),
            Quote("AAPL", 0, 10.30, 10.32));
        Assert.Equal([null, 10.01, 10.01, 10.01, 10.21, 10.21], ticks.Select(t => t.LastPrice));
        Assert.Equal([10.00, 10.00, 10.10, 10.20, 10.20, 10.30], ticks.Select(t => t.Bid));
    }

    [Fact]
    public void What_the_book_knows_of_a_symbol_outlasts_the_frame()
    {
        Merge(Quote("AAPL", 0, 10.00, 10.02), Trade("AAPL", 0, 10.01));
        Assert.Equal(10.01, Assert.Single(Merge(Quote("AAPL", 0, 10.10, 10.12))).LastPrice);
    }

    [Fact]
    public void Symbols_with_different_cache_ids_keep_their_own_quotes_and_trades()
    {
        var ticks = Merge(
            Quote("AAPL", 0, 10.00, 10.02),
            Quote("MSFT", 1, 20.00, 20.02),
            Trade("AAPL", 0, 10.01),
            Trade("MSFT", 1, 20.01));
        Assert.Equal(
            [("AAPL", 10.00, (double?)null), ("MSFT", 20.00, null), ("AAPL", 10.00, 10.01), ("MSFT", 20.00, 20.01)],
            ticks.Select(t => (t.Symbol, t.Bid, t.LastPrice)));
    }

    [Fact]
    public void A_symbol_the_cache_gave_no_id_is_kept_by_name()
    {
        Assert.Empty(Merge(Trade("MSFT", SymbolCache.NoId, 20.01)));
        var ticks = Merge(Quote("MSFT", SymbolCache.NoId, 20.00, 20.02), Trade("MSFT", SymbolCache.NoId, 20.03));
        Assert.Equal([(20.00, (double?)20.01), (20.00, 20.03)], ticks.Select(t => (t.Bid, t.LastPrice)));
    }

    [Fact]
    public void A_trade_seen_while_its_symbol_is_unwanted_is_forgotten()
    {
        Assert.Empty(Merge(new HashSet<string>(StringComparer.Ordinal), 0, Trade("MSFT", 1, 20.01)));
        Assert.Null(Assert.Single(Merge(Wanted, 1, Quote("MSFT", 1, 20.00, 20.02))).LastPrice);
    }

    [Fact]
    public void Unwanted_symbols_make_no_ticks_and_are_not_counted()
    {
        var ticks = _book.Merge([Quote("AMD", 2, 5.00, 5.02), Trade("AMD", 2, 5.01), Quote("TSLA", SymbolCache.NoId, 7.00, 7.02),
            Quote("AAPL", 0, 10.00, 10.02), Trade("AAPL", 0, 10.01)], Wanted, 0, ReceivedAt, out var quotes, out var trades);
        Assert.Equal(["AAPL", "AAPL"], ticks.ToArray().Select(t => t.Symbol));
        Assert.Equal((1, 1), (quotes, trades));
    }

    [Fact]
    public void A_trade_without_a_tick_is_still_counted()
    {
        var ticks = _book.Merge([Trade("AAPL", 0, 10.01)], Wanted, 0, ReceivedAt, out var quotes, out var trades);
        Assert.True(ticks.IsEmpty);
        Assert.Equal((0, 1), (quotes, trades));
    }

    [Fact]
    public void The_wanted_set_is_read_again_only_when_its_version_changes()
    {
        var before = new HashSet<string>(StringComparer.Ordinal) { "AAPL" };
        var after = new HashSet<string>(StringComparer.Ordinal);
        Assert.Single(Merge(before, 1, Quote("AAPL", 0, 10.00, 10.02)));

        // The same version: the book keeps what it decided for the symbol.
        Assert.Single(Merge(after, 1, Quote("AAPL", 0, 10.10, 10.12)));

        // A new version: unsubscribed, so quotes still in flight are dropped.
        Assert.Empty(Merge(after, 2, Quote("AAPL", 0, 10.20, 10.22)));
    }

    [Fact]
    public void A_symbol_wanted_again_keeps_what_the_book_knew_of_it()
    {
        var none = new HashSet<string>(StringComparer.Ordinal);
        Merge(Wanted, 1, Quote("AAPL", 0, 10.00, 10.02), Trade("AAPL", 0, 10.01));
        Assert.Empty(Merge(none, 2, Trade("AAPL", 0, 10.50)));
        Assert.Equal(10.01, Assert.Single(Merge(Wanted, 3, Quote("AAPL", 0, 10.10, 10.12))).LastPrice);
    }

    [Fact]
    public void A_frame_of_more_events_than_the_book_has_room_for_makes_a_tick_for_each()
    {
        var events = Enumerable.Range(0, 300).Select(i => Quote("AAPL", 0, 10 + i / 100.0, 10.5 + i / 100.0, i)).ToArray();
        var ticks = Merge(events);
        Assert.Equal(300, ticks.Length);
        Assert.Equal(events.Select(e => e.Timestamp), ticks.Select(t => t.ExchangeTime));
    }
}
