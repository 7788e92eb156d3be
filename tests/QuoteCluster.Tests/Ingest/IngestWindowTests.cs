using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using QuoteCluster.Ingest;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Ingest;

/// <summary>
/// The ingest pump keeps at most INGEST_MAX_IN_FLIGHT deliveries in flight, however many symbols have a quote ready:
/// the rest wait in the coalescer, where a newer quote replaces the one waiting, rather than in the silo's queues,
/// where it would only grow old.
/// </summary>
public sealed class IngestWindowTests : IAsyncLifetime
{
    private const int Window = 20;
    private readonly ApplyConcurrency _applies = new(TimeSpan.FromMilliseconds(50));
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await QuoteClusterTestCluster.StartAsync(1, QuoteClusterTestCluster.Options(
                ("MONITORED_SYMBOLS", "*"), ("SIMULATED_UNIVERSE", "300"), ("MAX_SYMBOLS", "300"), ("SIMULATED_QUOTES_PER_SEC", "6000"),
                ("INGEST_MAX_IN_FLIGHT", Window.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("DRY_RUN", "1"), ("ORLEANS_DASHBOARD", "0")),
            store: null, configure: silo => silo.Services.AddSingleton<IIncomingGrainCallFilter>(_applies));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Three_hundred_busy_symbols_have_at_most_the_window_of_deliveries_in_flight_and_all_get_theirs()
    {
        var ingest = _cluster.Client.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);
        await Eventually.Until(ingest.GetSymbolsAsync, s => s.Count == 300, TimeSpan.FromSeconds(20), "300 symbols discovered");
        await Eventually.Until(() => _applies.Calls > 1000, TimeSpan.FromSeconds(30), "a thousand deliveries");

        Assert.True(_applies.MostAtOnce <= Window, $"{_applies.MostAtOnce} deliveries were in flight at once, over the window of {Window}");

        // Every symbol still gets its quote: the window delays none for ever.
        var versions = await Task.WhenAll((await ingest.GetSymbolsAsync()).Select(s => _cluster.Client.GetGrain<QuoteCluster.Symbols.ISymbolGrain>(s).GetLatestAsync()));
        Assert.All(versions, v => Assert.NotNull(v));
    }

    [Fact]
    public async Task Calls_hung_on_a_silo_give_their_place_in_the_window_to_other_symbols()
    {
        var ingest = _cluster.Client.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);
        var symbols = await Eventually.Until(ingest.GetSymbolsAsync, s => s.Count == 300, TimeSpan.FromSeconds(20), "300 symbols discovered");

        // More hung symbols than the window has places: were they kept, nothing else would be delivered for 10 s.
        var hung = symbols.Take(2 * Window).ToList();
        _applies.Hang(hung, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = _applies.Calls;
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.True(_applies.Calls - before > 100, $"only {_applies.Calls - before} deliveries in 2 s while {hung.Count} symbols hung");
    }
}
