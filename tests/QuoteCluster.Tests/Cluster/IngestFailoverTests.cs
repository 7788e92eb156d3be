using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;
using QuoteCluster.Configuration;
using QuoteCluster.Api.Live;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Cluster;

/// <summary>
/// Killing the silo that hosts the ingest grain: the feed and the heartbeat resume on the survivor, and a gateway's
/// consumers converge on every symbol's latest quote afterwards.
/// </summary>
public class IngestFailoverTests : IAsyncLifetime
{
    private static readonly IReadOnlyList<string> Symbols = ClusterScenarios.Symbols(10);
    private readonly RecordingQuoteStore _store = new();
    private QuoteClusterOptions _options = null!;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _options = QuoteClusterTestCluster.Options(
            ("MONITORED_SYMBOLS", string.Join(',', Symbols)), ("SIMULATED_QUOTES_PER_SEC", "500"), ("LIVE_RESYNC_INTERVAL_S", "1"),
            ("INGEST_KEEPALIVE_S", "0.5"), ("HEARTBEAT_INTERVAL_S", "1"), ("FLUSH_INTERVAL_MS", "50"), ("ORLEANS_DASHBOARD", "0"));
        _cluster = await QuoteClusterTestCluster.StartAsync(2, _options, _store);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task The_feed_and_the_heartbeat_resume_on_the_survivor()
    {
        var running = await Eventually.Until(_cluster.Ingest().GetStatusAsync, s => s.QuotesReceived > 100, TimeSpan.FromSeconds(20), "the feed to start");
        using var hub = new QuoteSubscriptionHub(_cluster.Client, _options, TimeProvider.System, NullLogger<QuoteSubscriptionHub>.Instance);
        await hub.StartAsync(CancellationToken.None);
        var listener = new RecordingListener();
        foreach (var symbol in Symbols)
        {
            await hub.SubscribeAsync(symbol, listener);
        }

        // Fifty streaming clients, each with the conflating buffer an SSE or WebSocket connection has, read continuously.
        using var clientsStop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 50).Select(_ => new StreamingClient()).ToList();
        foreach (var client in clients)
        {
            foreach (var symbol in Symbols) await hub.SubscribeAsync(symbol, client.Connection);
        }

        var reading = clients.Select(c => c.ReadAsync(clientsStop.Token)).ToList();

        var victim = _cluster.Silos.Single(s => s.SiloAddress.ToString() == running.Silo);
        var survivor = _cluster.Silos.Single(s => s != victim);

        await _cluster.KillSiloAsync(victim);
        var killedAt = DateTimeOffset.UtcNow;
        var before = await _cluster.GrainVersions(Symbols);

        var resumed = await Eventually.Until(_cluster.Ingest().GetStatusAsync,
            s => s.Silo == survivor.SiloAddress.ToString() && s.QuotesReceived > 100, TimeSpan.FromSeconds(60), "the feed on the survivor");
        Assert.Equal(global::QuoteCluster.Ingest.FeedState.Live, resumed.State);

        await Eventually.Until(() => _store.Heartbeats.Any(h => h.Timestamp > killedAt && h.Status == "running"), TimeSpan.FromSeconds(20),
            "a heartbeat after the failover");
        await Eventually.Until(() => _cluster.GrainVersions(Symbols), after => Symbols.All(s => after[s] > before[s]), TimeSpan.FromSeconds(20),
            "every symbol to receive quotes again");

        // Whatever the lost silo took with it (stream queues, pub-sub state), the gateway's listeners converge.
        await _cluster.Ingest().StopAsync("test");
        var final = await _cluster.GrainVersions(Symbols);
        await Eventually.Until(() => Task.FromResult(listener.Latest), seen => Symbols.All(s => seen.GetValueOrDefault(s) == final[s]),
            TimeSpan.FromSeconds(20), "the gateway's listeners to hold every symbol's latest version");
        Assert.Equal(0, listener.OutOfOrder);

        // Every client kept receiving across the loss of a silo, and holds every symbol's latest quote.
        await Eventually.Until(() => clients.All(c => Symbols.All(s => c.Latest.GetValueOrDefault(s) == final[s])), TimeSpan.FromSeconds(20),
            "every streaming client to hold every symbol's latest version");
        Assert.All(clients, c => Assert.True(c.LastReceivedAt > killedAt, "a client stopped receiving when the silo died"));
        await clientsStop.CancelAsync();
        await Task.WhenAll(reading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        await hub.StopAsync(CancellationToken.None);
    }
}

/// <summary>A gateway client reduced to what matters here: its conflating buffer, read as fast as it fills.</summary>
internal sealed class StreamingClient
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _latest = new();

    public QuoteCluster.Api.Live.LiveConnection Connection { get; } = new();

    public IReadOnlyDictionary<string, long> Latest => _latest;

    public DateTimeOffset LastReceivedAt { get; private set; }

    public async Task ReadAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var update in await Connection.TakeAsync(TimeSpan.FromSeconds(1), stop))
                {
                    _latest[update.Quote.Symbol] = update.Version;
                    LastReceivedAt = DateTimeOffset.UtcNow;
                }
            }
        }
        finally
        {
            Connection.Dispose();
        }
    }
}
