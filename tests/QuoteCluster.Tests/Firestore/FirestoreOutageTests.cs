using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using QuoteCluster.Configuration;
using QuoteCluster.Storage;
using QuoteCluster.Storage.Firestore;
using QuoteCluster.Tests.Cluster;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Firestore;

/// <summary>
/// The emulator is killed mid-run while quotes keep flowing, then restarted: afterwards every symbol's document holds
/// its latest quote and the heartbeat resumed, and while it was down the writers held one pending quote per symbol.
/// </summary>
public class FirestoreOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly IReadOnlyList<string> Symbols = ClusterScenarios.Symbols(12);
    private readonly FirestoreEmulator _emulator = new();
    private QuoteClusterOptions _options = null!;
    private InProcessTestCluster _cluster = null!;
    private FirestoreClient _reader = null!;

    public async Task InitializeAsync()
    {
        await _emulator.StartAsync();
        _options = QuoteClusterTestCluster.Options(
            ("FIRESTORE_EMULATOR_HOST", _emulator.Host), ("TENANT_ID", "outage"), ("MONITORED_SYMBOLS", string.Join(',', Symbols)),
            ("SIMULATED_QUOTES_PER_SEC", "300"), ("PER_SYMBOL_MIN_INTERVAL_MS", "200"), ("FLUSH_INTERVAL_MS", "50"),
            ("GLOBAL_WRITES_PER_SEC", "100"), ("GLOBAL_BURST", "100"), ("HEARTBEAT_INTERVAL_S", "1"), ("INGEST_KEEPALIVE_S", "0.5"),
            ("STORAGE_RESEND_AFTER_S", "2"), ("ORLEANS_DASHBOARD", "0"));
        _cluster = await QuoteClusterTestCluster.StartAsync(1, _options, store: null);
        _reader = FirestoreClient.Create(_options);
    }

    public async Task DisposeAsync()
    {
        _reader.Dispose();
        await _cluster.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    private async Task<IReadOnlyDictionary<string, global::QuoteCluster.Storage.Firestore.Wire.Document?>> ReadQuotesAsync()
    {
        var paths = DocumentPaths.From(_options);
        var documents = await _reader.GetAsync(Symbols.Select(s => _reader.DocumentName(paths.Quote(s))), CancellationToken.None);
        return Symbols.ToDictionary(s => s, s => documents[_reader.DocumentName(paths.Quote(s))]);
    }

    private async Task<string?> HeartbeatStatusAsync()
    {
        var name = _reader.DocumentName(DocumentPaths.From(_options).Heartbeat);
        try
        {
            return (await _reader.GetAsync([name], CancellationToken.None))[name]?.Fields["status"].StringValue;
        }
        catch (Grpc.Core.RpcException)
        {
            return null;
        }
    }

    /// <summary>Firestore keeps timestamps to the microsecond; .NET ticks are 100 ns.</summary>
    private static bool SameMicrosecond(DateTimeOffset stored, DateTimeOffset sent) =>
        stored.UtcTicks == sent.UtcTicks - sent.UtcTicks % 10;

    [Fact]
    public async Task After_an_outage_every_symbol_holds_its_latest_quote_and_the_heartbeat_resumes()
    {
        await Eventually.Until(ReadQuotesAsync, docs => docs.Values.All(d => d is not null), Wait, "every symbol's first write");
        var store = _cluster.GetSiloServiceProvider().GetRequiredService<IQuoteStore>();

        await _emulator.StopAsync();
        await Eventually.Until(() => !store.Health.Healthy, Wait, "the store to notice the outage");
        await Task.Delay(TimeSpan.FromSeconds(3));

        // Bounded memory: however many quotes arrive, each writer holds at most one pending quote per symbol.
        var pending = 0;
        for (var partition = 0; partition < _options.WriterPartitions; partition++)
        {
            pending += await _cluster.Client.GetGrain<IQuoteWriterGrain>(partition.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetPendingCountAsync();
        }

        Assert.InRange(pending, 1, Symbols.Count);

        await _emulator.StartAsync();
        await Eventually.Until(HeartbeatStatusAsync, s => s == "running", Wait, "the heartbeat to resume as running");

        await _cluster.Ingest().StopAsync("test");
        var latest = new Dictionary<string, global::QuoteCluster.Quotes.Quote>();
        foreach (var symbol in Symbols)
        {
            latest[symbol] = (await _cluster.Client.GetGrain<global::QuoteCluster.Symbols.ISymbolGrain>(symbol).GetLatestAsync())!.Quote;
        }

        var documents = await Eventually.Until(ReadQuotesAsync,
            docs => Symbols.All(s => docs[s] is { } d && SameMicrosecond(d.Fields["ts"].TimestampValue.ToDateTimeOffset(), latest[s].ExchangeTime)),
            Wait, "every symbol's document to hold its latest quote");
        Assert.All(Symbols, s =>
        {
            Assert.Equal(latest[s].Bid, documents[s]!.Fields["bid"].DoubleValue);
            Assert.Equal(latest[s].Ask, documents[s]!.Fields["ask"].DoubleValue);
        });
        Assert.Equal("stopped", await HeartbeatStatusAsync());
    }
}
