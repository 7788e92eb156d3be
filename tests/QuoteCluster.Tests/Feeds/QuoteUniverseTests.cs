using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Symbols;

namespace QuoteCluster.Tests.Feeds;

public class QuoteUniverseTests
{
    [Fact]
    public void A_universe_has_the_size_asked_for_of_distinct_valid_symbols_well_known_first()
    {
        var universe = QuoteGenerator.Universe(11_000);
        Assert.Equal(11_000, universe.Count);
        Assert.Equal(11_000, universe.Distinct().Count());
        Assert.All(universe, s => Assert.True(Symbol.TryNormalize(s, out var n, out _) && n == s, s));
        Assert.Equal(QuoteGenerator.WellKnownSymbols, universe.Take(QuoteGenerator.WellKnownSymbols.Count));
        Assert.Equal(QuoteGenerator.WellKnownSymbols, QuoteGenerator.Universe(0));
    }

    [Fact]
    public async Task The_simulated_feed_serves_its_universe_for_the_wildcard()
    {
        await using var feed = new SimulatedMarketFeed(quotesPerSecond: 20_000, seed: 1, TimeProvider.System, universe: 300);
        var sink = new QuoteCluster.Tests.Alpaca.RecordingSink();
        await feed.StartAsync(sink, [Symbol.Wildcard], CancellationToken.None);
        await QuoteCluster.Tests.Support.Eventually.Until(() => sink.Latest.Count == 300, TimeSpan.FromSeconds(10), "all 300 symbols of the universe");
        Assert.Equal(QuoteGenerator.Universe(300).Order(), sink.Latest.Keys.Order());
    }
}
