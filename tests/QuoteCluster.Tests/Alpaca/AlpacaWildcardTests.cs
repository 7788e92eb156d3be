using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Symbols;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Alpaca;

public class AlpacaWildcardTests
{
    [Fact]
    public async Task The_client_subscribes_quotes_and_trades_with_the_wildcard_and_receives_the_whole_universe()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Universe = 500, Rate = 50_000, FrameSize = 500 });
        var (_, sink) = await harness.ConnectAsync(harness.Settings(feed: "sip"), [Symbol.Wildcard]);

        await Eventually.Until(() => sink.Latest.Count == 500, TimeSpan.FromSeconds(20), "ticks of all 500 symbols of the universe");
        var session = Assert.Single(harness.Simulator.Sessions);
        Assert.Equal([Symbol.Wildcard], session.QuoteSymbols);
        Assert.Equal([Symbol.Wildcard], session.TradeSymbols);
        Assert.Equal(QuoteGenerator.Universe(500).Order(), sink.Latest.Keys.Order());
    }

    [Fact]
    public async Task A_wildcard_subscription_on_the_simulator_without_a_universe_is_the_well_known_tickers()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 5_000 });
        var (_, sink) = await harness.ConnectAsync(harness.Settings(feed: "sip"), [Symbol.Wildcard]);

        await Eventually.Until(() => sink.Latest.Count == QuoteGenerator.WellKnownSymbols.Count, TimeSpan.FromSeconds(20), "every well-known ticker");
        await Task.Delay(200);
        Assert.Equal(QuoteGenerator.WellKnownSymbols.Order(), sink.Latest.Keys.Order());
    }
}
