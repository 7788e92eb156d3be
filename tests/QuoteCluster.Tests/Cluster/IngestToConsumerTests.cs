using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;
using QuoteCluster.Configuration;
using QuoteCluster.Hosting;
using QuoteCluster.Api.Live;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Cluster;

/// <summary>
/// Two silos: the feed enters through the ingest grain on one, reaches a stream consumer on the other and a gateway
/// hub on the client, and after the feed stops every consumer and storage hold each symbol's latest quote.
/// </summary>
public class IngestToConsumerTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly IReadOnlyList<string> Symbols = ClusterScenarios.Symbols(30);

    private readonly RecordingQuoteStore _store = new();
    private QuoteClusterOptions _options = null!;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _options = QuoteClusterTestCluster.Options(
            ("MONITORED_SYMBOLS", string.Join(',', Symbols)), ("SIMULATED_QUOTES_PER_SEC", "3000"), ("INGEST_AUTOSTART", "0"),
            ("PER_SYMBOL_MIN_INTERVAL_MS", "200"), ("FLUSH_INTERVAL_MS", "50"), ("GLOBAL_WRITES_PER_SEC", "200"), ("GLOBAL_BURST", "100"),
            ("LIVE_RESYNC_INTERVAL_S", "1"), ("HEARTBEAT_INTERVAL_S", "1"), ("ORLEANS_DASHBOARD", "0"));
        _cluster = await QuoteClusterTestCluster.StartAsync(2, _options, _store);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Quotes_reach_a_consumer_on_the_other_silo_and_everyone_converges_on_the_latest()
    {
        var silos = _cluster.Silos.Select(s => s.SiloAddress).ToArray();
        var ingestSilo = await ClusterScenarios.OnSilo(silos[0], async () =>
        {
            await _cluster.Ingest().EnsureRunningAsync();
            return (await _cluster.Ingest().GetStatusAsync()).Silo;
        });
        Assert.Equal(silos[0].ToString(), ingestSilo);

        var probe = _cluster.Client.GetGrain<ILiveQuoteProbeGrain>("probe");
        var probeSilo = await ClusterScenarios.OnSilo(silos[1], () => probe.WatchAsync(Symbols));
        Assert.Equal(silos[1].ToString(), probeSilo);

        using var hub = new QuoteSubscriptionHub(_cluster.Client, _options, TimeProvider.System, NullLogger<QuoteSubscriptionHub>.Instance);
        var listener = new RecordingListener();
        foreach (var symbol in Symbols)
        {
            await hub.SubscribeAsync(symbol, listener);
        }

        await Eventually.Until(probe.GetUpdateCountAsync, n => n > 500, Wait, "live updates at the consumer on the other silo");

        await _cluster.Ingest().StopAsync("test");
        var final = await _cluster.GrainVersions(Symbols);
        Assert.All(final.Values, v => Assert.True(v > 0));

        await Eventually.Until(probe.GetVersionsAsync, seen => Symbols.All(s => seen.GetValueOrDefault(s) == final[s]), Wait,
            "the consumer on the other silo to hold every symbol's latest version");
        await hub.ResyncAllAsync();
        Assert.All(Symbols, s => Assert.Equal(final[s], listener.Latest[s]));
        Assert.Equal(0, listener.OutOfOrder);

        foreach (var symbol in Symbols)
        {
            var latest = await _cluster.Client.GetGrain<global::QuoteCluster.Symbols.ISymbolGrain>(symbol).GetLatestAsync();
            Assert.Equal(latest!.Quote, _store.LastWritten(symbol));
        }

        Assert.Equal("stopped", _store.Heartbeats[^1].Status);
    }
}
