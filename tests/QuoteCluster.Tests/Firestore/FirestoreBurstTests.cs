using Orleans.TestingHost;
using QuoteCluster.Configuration;
using QuoteCluster.Storage;
using QuoteCluster.Storage.Firestore;
using QuoteCluster.Tests.Cluster;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Firestore;

/// <summary>
/// A burst of thousands of quotes into the real Firestore writer: commits of at most 500, one write per document per
/// interval, the global budget, and every symbol's latest quote in the emulator at the end.
/// </summary>
[Collection(FirestoreEmulatorCollection.Name)]
public class FirestoreBurstTests(FirestoreEmulator emulator) : IAsyncLifetime
{
    private const int Rate = 1000;
    private const int Burst = 800;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(1000);
    private static readonly IReadOnlyList<string> Symbols = ClusterScenarios.Symbols(1200);
    private readonly RecordingQuoteStore _accepted = new();
    private QuoteClusterOptions _options = null!;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _options = QuoteClusterTestCluster.Options(
            ("FIRESTORE_EMULATOR_HOST", emulator.Host), ("TENANT_ID", "burst"), ("MONITORED_SYMBOLS", string.Join(',', Symbols)),
            ("SIMULATED_QUOTES_PER_SEC", "20000"), ("INGEST_AUTOSTART", "0"), ("WRITER_PARTITIONS", "1"), ("FLUSH_INTERVAL_MS", "200"),
            ("PER_SYMBOL_MIN_INTERVAL_MS", "1000"), ("GLOBAL_WRITES_PER_SEC", "1000"), ("GLOBAL_BURST", "800"), ("ORLEANS_DASHBOARD", "0"));
        _cluster = await QuoteClusterTestCluster.StartAsync(1, _options, _accepted);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Commits_stay_within_500_one_write_per_document_per_interval_and_the_budget_and_the_latest_lands()
    {
        await _cluster.Ingest().EnsureRunningAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        await _cluster.Ingest().StopAsync("test");

        var writes = _accepted.Writes;
        Assert.True(writes.Count > 2 * Burst, $"the burst should need several commits, saw {writes.Count} writes");
        Assert.All(_accepted.CommitSizes, size => Assert.InRange(size, 1, QuoteWriterGrain.MaxBatch));
        Assert.Contains(_accepted.CommitSizes, size => size == QuoteWriterGrain.MaxBatch);

        // One write per document per interval, measured between the writes Firestore accepted (10 ms clock slack).
        foreach (var perSymbol in writes.GroupBy(w => w.Quote.Symbol))
        {
            var times = perSymbol.Select(w => w.At).Order().ToList();
            for (var i = 1; i < times.Count; i++)
            {
                Assert.True(times[i] - times[i - 1] >= Interval - TimeSpan.FromMilliseconds(10),
                    $"{perSymbol.Key} written {(times[i] - times[i - 1]).TotalMilliseconds:F0} ms after its previous write");
            }
        }

        var ordered = writes.OrderBy(w => w.At).ToList();
        for (var i = 0; i < ordered.Count; i += 50)
        {
            for (var j = i; j < ordered.Count; j += 50)
            {
                var window = (ordered[j].At - ordered[i].At).TotalSeconds;
                Assert.True(j - i + 1 <= Burst + Rate * window + 100, $"{j - i + 1} writes in {window:F2} s exceed the budget");
            }
        }

        using var reader = FirestoreClient.Create(_options);
        var paths = DocumentPaths.From(_options);
        var names = Symbols.Select(s => reader.DocumentName(paths.Quote(s))).ToList();
        var documents = await reader.GetAsync(names, CancellationToken.None);
        foreach (var symbol in Symbols.Take(50))
        {
            var latest = (await _cluster.Client.GetGrain<global::QuoteCluster.Symbols.ISymbolGrain>(symbol).GetLatestAsync())!.Quote;
            var document = documents[reader.DocumentName(paths.Quote(symbol))];
            Assert.NotNull(document);
            Assert.Equal(latest.Bid, document.Fields["bid"].DoubleValue);
        }

        Assert.All(names, n => Assert.NotNull(documents[n]));
    }
}
