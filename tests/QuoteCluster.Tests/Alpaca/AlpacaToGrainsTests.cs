using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Ingest;
using QuoteCluster.Symbols;
using QuoteCluster.Tests.Cluster;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Alpaca;

/// <summary>End to end: the simulator, our Alpaca client inside the ingest grain, and the symbol grains of a two-silo cluster.</summary>
public sealed class AlpacaToGrainsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Quotes_flow_from_the_simulator_to_the_symbol_grains_through_drops_and_symbol_changes()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 600, TradeRatio = 0.3 });
        var options = QuoteClusterTestCluster.Options(
            ("MARKET_FEED", "alpaca"), ("ALPACA_STREAM_URL", harness.Simulator.Url.AbsoluteUri), ("APCA_API_KEY_ID", AlpacaHarness.Key),
            ("APCA_API_SECRET_KEY", AlpacaHarness.Secret), ("MONITORED_SYMBOLS", "AAPL,MSFT,BRK.B"), ("RECONNECT_BACKOFF_BASE_S", "0.1"),
            ("HEARTBEAT_INTERVAL_S", "1"), ("ORLEANS_DASHBOARD", "0"));
        var store = new RecordingQuoteStore();
        await using var cluster = await QuoteClusterTestCluster.StartAsync(2, options, store);
        var ingest = cluster.Ingest();

        var status = await Eventually.Until(ingest.GetStatusAsync, s => s.State == FeedState.Live, Wait, "the Alpaca feed live");
        Assert.Equal("alpaca", status.Feed);
        Assert.True(status.Connected);
        foreach (var symbol in new[] { "AAPL", "MSFT", "BRK.B" })
        {
            var latest = await Eventually.Until(() => cluster.Client.GetGrain<ISymbolGrain>(symbol).GetLatestAsync(),
                u => u?.Quote.LastPrice is not null, Wait, $"{symbol} with a trade price in its grain");
            Assert.Equal("alpaca", latest!.Quote.Source);
        }

        // Symbols added and removed through the ingest grain change the Alpaca subscription.
        await ingest.AddSymbolsAsync(["nvda"]);
        await ingest.RemoveSymbolsAsync(["MSFT"]);
        await Eventually.Until(() => harness.Simulator.Sessions.SingleOrDefault()?.QuoteSymbols.SetEquals(["AAPL", "BRK.B", "NVDA"]) == true, Wait, "the subscription changed");
        await Eventually.Until(() => cluster.Client.GetGrain<ISymbolGrain>("NVDA").GetLatestAsync(), u => u is not null, Wait, "NVDA's first quote");

        // After a drop the client comes back by itself, re-subscribed to the current set, and quotes move on.
        var before = await cluster.GrainVersions(["AAPL", "BRK.B", "NVDA"]);
        await harness.Simulator.DropAllAsync(DropMode.Abrupt);
        await Eventually.Until(() => harness.Simulator.Authentications == 2 && harness.Simulator.Sessions.SingleOrDefault()?.QuoteSymbols.Count == 3, Wait, "a re-subscribed session");
        await Eventually.Until(() => cluster.GrainVersions(["AAPL", "BRK.B", "NVDA"]), v => v.All(kv => kv.Value > before[kv.Key]), Wait, "every symbol moving again");

        var heartbeat = await Eventually.Until(() => Task.FromResult(store.Heartbeats.LastOrDefault()), h => h?.FeedState == "live", Wait, "a live heartbeat");
        Assert.Equal("alpaca", heartbeat!.Feed);
    }

    [Fact]
    public async Task A_configuration_error_shows_in_the_status_and_the_heartbeat()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        var options = QuoteClusterTestCluster.Options(
            ("MARKET_FEED", "alpaca"), ("ALPACA_STREAM_URL", harness.Simulator.Url.AbsoluteUri), ("APCA_API_KEY_ID", "wrong"),
            ("APCA_API_SECRET_KEY", "wrong"), ("HEARTBEAT_INTERVAL_S", "1"), ("ORLEANS_DASHBOARD", "0"));
        var store = new RecordingQuoteStore();
        await using var cluster = await QuoteClusterTestCluster.StartAsync(1, options, store);

        var status = await Eventually.Until(cluster.Ingest().GetStatusAsync, s => s.State == FeedState.ConfigurationError, Wait, "a configuration error");
        Assert.Contains("402", status.LastError);
        var heartbeat = await Eventually.Until(() => Task.FromResult(store.Heartbeats.LastOrDefault()), h => h?.FeedState == "configuration_error", Wait, "the heartbeat saying so");
        Assert.Equal("configuration_error", heartbeat!.Status);
        Assert.Contains("APCA_API_KEY_ID", heartbeat.LastError);
    }
}
