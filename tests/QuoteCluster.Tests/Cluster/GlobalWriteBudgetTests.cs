using Orleans.TestingHost;
using QuoteCluster.Storage;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Cluster;

/// <summary>GLOBAL_WRITES_PER_SEC and GLOBAL_BURST hold for the whole cluster, whatever silo the writers run on.</summary>
public class GlobalWriteBudgetTests : IAsyncLifetime
{
    private const double Rate = 20;
    private const int Burst = 40;
    private readonly RecordingQuoteStore _store = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var options = QuoteClusterTestCluster.Options(
            ("MONITORED_SYMBOLS", string.Join(',', ClusterScenarios.Symbols(200))), ("SIMULATED_QUOTES_PER_SEC", "20000"),
            ("INGEST_AUTOSTART", "0"), ("PER_SYMBOL_MIN_INTERVAL_MS", "100"), ("FLUSH_INTERVAL_MS", "50"), ("WRITER_PARTITIONS", "4"),
            ("GLOBAL_WRITES_PER_SEC", "20"), ("GLOBAL_BURST", "40"), ("ORLEANS_DASHBOARD", "0"));
        _cluster = await QuoteClusterTestCluster.StartAsync(2, options, _store);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_burst_from_symbols_on_two_silos_never_exceeds_the_cluster_wide_budget()
    {
        // Two writer partitions on each silo, so both silos write at once.
        var silos = _cluster.Silos.Select(s => s.SiloAddress).ToArray();
        for (var partition = 0; partition < 4; partition++)
        {
            var writer = _cluster.Client.GetGrain<IQuoteWriterGrain>(partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await ClusterScenarios.OnSilo(silos[partition % 2], writer.GetPendingCountAsync);
        }

        await _cluster.Ingest().EnsureRunningAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        await _cluster.Ingest().StopAsync("test");

        var writes = _store.Writes;
        Assert.True(writes.Count > Burst, $"the demand should exceed the burst, saw {writes.Count} writes");
        Assert.True(writes.Select(w => w.Silo).Distinct().Count() == 2, "writes should come from both silos");

        // A token bucket allows at most burst + rate × window in any window; one replenishment step of slack.
        var ordered = writes.OrderBy(w => w.At).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            for (var j = i; j < ordered.Count; j += 10)
            {
                var window = (ordered[j].At - ordered[i].At).TotalSeconds;
                var allowed = Burst + Rate * window + 2;
                Assert.True(j - i + 1 <= allowed, $"{j - i + 1} writes in {window:F2} s exceed the budget of {allowed:F0}");
            }
        }
    }
}
