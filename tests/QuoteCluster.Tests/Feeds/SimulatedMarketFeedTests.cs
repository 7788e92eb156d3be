using Microsoft.Extensions.Time.Testing;
using QuoteCluster.Feeds;
using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Quotes;
using QuoteCluster.Tests.Alpaca;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Feeds;

public sealed class SimulatedMarketFeedTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 18, 15, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_snapshot_shows_each_wanted_symbol_as_the_walk_last_left_it_and_any_other_where_it_would_start()
    {
        var time = new FakeTimeProvider(Start);
        await using var feed = new SimulatedMarketFeed(quotesPerSecond: 1000, seed: 42, time);
        var sink = new RecordingSink();
        await feed.StartAsync(sink, ["AAPL", "MSFT"], CancellationToken.None);
        await Eventually.Until(() =>
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            return sink.Latest.Count == 2;
        }, TimeSpan.FromSeconds(15), "quotes of both");
        await feed.StopAsync(CancellationToken.None);

        var ticks = await feed.SnapshotAsync(["AAPL", "MSFT", "ZZZZ"], CancellationToken.None);

        Assert.Equal(["AAPL", "MSFT", "ZZZZ"], ticks.Select(t => t.Symbol));
        foreach (var symbol in new[] { "AAPL", "MSFT" })
        {
            var tick = ticks.Single(t => t.Symbol == symbol);
            Assert.Equal(sink.Latest[symbol] with { ReceivedAt = time.GetUtcNow() }, tick);
        }

        Assert.Equal(QuoteGenerator.Opening("ZZZZ", 42, time.GetUtcNow(), QuoteSources.Simulated), ticks.Single(t => t.Symbol == "ZZZZ"));
        Assert.All(ticks, t => Assert.NotNull(t.LastPrice));
    }

    [Fact]
    public async Task A_feed_that_has_not_started_still_answers()
    {
        await using var feed = new SimulatedMarketFeed(quotesPerSecond: 40, seed: 7, new FakeTimeProvider(Start));
        var tick = Assert.Single(await feed.SnapshotAsync(["SPY"], CancellationToken.None));
        Assert.Equal((590.0, QuoteSources.Simulated, Start), (tick.LastPrice!.Value, tick.Source, tick.ExchangeTime));
    }
}
