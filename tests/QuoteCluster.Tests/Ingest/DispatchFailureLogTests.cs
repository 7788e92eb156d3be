using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Orleans.TestingHost;
using QuoteCluster.Ingest;
using QuoteCluster.Symbols;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Ingest;

/// <summary>
/// While a silo is unreachable every delivery to its symbols fails, and each retries every 200 ms: with a whole market
/// that is thousands of failures a second. The operator needs to know it is happening, how much, and that it stopped,
/// not a warning with a stack trace per failure, which floods the log and slows the silo while it is already in trouble.
/// </summary>
public sealed class DispatchFailureLogTests : IAsyncLifetime
{
    private const string DispatchFailed = "ingest_dispatch_failed";
    private readonly SymbolCallFault _fault = new();
    // The ingest grain's category only: a dry run logs every write it would make.
    private readonly FakeLogCollector _logs = FakeLogCollector.Create(new FakeLogCollectorOptions { FilteredCategories = { typeof(IngestGrain).FullName! } });
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await QuoteClusterTestCluster.StartAsync(1, QuoteClusterTestCluster.Options(
                ("MONITORED_SYMBOLS", "*"), ("SIMULATED_UNIVERSE", "200"), ("MAX_SYMBOLS", "200"), ("SIMULATED_QUOTES_PER_SEC", "4000"),
                ("DRY_RUN", "1"), ("ORLEANS_DASHBOARD", "0")),
            store: null, configure: silo =>
            {
                silo.Services.AddSingleton<IIncomingGrainCallFilter>(_fault);
                silo.Services.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(_logs));
            });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Failing_deliveries_are_reported_a_few_times_with_their_count_and_every_symbol_catches_up_after()
    {
        var ingest = _cluster.Client.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);
        var symbols = await Eventually.Until(ingest.GetSymbolsAsync, s => s.Count == 200, TimeSpan.FromSeconds(20), "200 symbols discovered");
        var failing = symbols.Take(100).ToArray();

        _logs.Clear();
        _fault.FailApplies(failing);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var refused = _fault.Refused;
        var versionsAtHeal = await Task.WhenAll(failing.Select(VersionAsync));
        _fault.Heal();

        // A hundred symbols retrying every 200 ms for 3 s: hundreds of failures, reported in a few lines that count them.
        Assert.True(refused > 300, $"only {refused} deliveries failed: the fault did not take");
        var reports = _logs.GetSnapshot().Where(r => r.Id.Name == DispatchFailed).ToList();
        Assert.InRange(reports.Count, 1, 2);
        Assert.All(reports, r => Assert.Equal(LogLevel.Warning, r.Level));
        Assert.Contains(reports, r => r.Exception is not null);

        // Every one of the failing symbols gets a newer quote once the fault clears, and the recovery is reported with
        // the failures since the last report, so the reports add up to all of them.
        await Task.WhenAll(failing.Select((s, i) => Eventually.Until(
            () => VersionAsync(s), v => v > versionsAtHeal[i], TimeSpan.FromSeconds(10), $"{s} updated after the fault cleared")));
        var recovered = await Eventually.Until(
            () => Task.FromResult(_logs.GetSnapshot().Where(r => r.Id.Name == "ingest_dispatch_recovered").ToList()),
            r => r.Count == 1, TimeSpan.FromSeconds(10), "the recovery reported");
        var counted = _logs.GetSnapshot().Where(r => r.Id.Name is DispatchFailed or "ingest_dispatch_recovered")
            .Sum(r => Convert.ToInt64(r.StructuredState!.Single(p => p.Key == "failures").Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(_fault.Refused, counted);
        Assert.Equal(LogLevel.Information, recovered[0].Level);
    }

    private async Task<long> VersionAsync(string symbol) =>
        (await _cluster.Client.GetGrain<ISymbolGrain>(symbol).GetLatestAsync())?.Version ?? 0;
}
