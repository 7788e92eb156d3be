using Orleans.TestingHost;
using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Ingest;
using QuoteCluster.Symbols;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Ingest;

/// <summary>MONITORED_SYMBOLS=* on the in-process simulated market of 120 symbols, bounded at 50 by MAX_SYMBOLS.</summary>
public class WholeMarketIngestTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await QuoteClusterTestCluster.StartAsync(1, QuoteClusterTestCluster.Options(
            ("MONITORED_SYMBOLS", "*"), ("SIMULATED_UNIVERSE", "120"), ("MAX_SYMBOLS", "50"),
            ("SIMULATED_QUOTES_PER_SEC", "6000"), ("DRY_RUN", "1")), store: null);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IIngestGrain Ingest => _cluster.Client.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);

    [Fact]
    public async Task The_ingest_grain_discovers_arriving_symbols_up_to_MAX_SYMBOLS_and_counts_the_rest_as_dropped()
    {
        var status = await Eventually.Until(Ingest.GetStatusAsync, s => s.Symbols.Count == 50 && s.DroppedSymbols == 70,
            TimeSpan.FromSeconds(20), "50 symbols discovered and 70 dropped");

        Assert.True(status.AllSymbols);
        Assert.True(status.DroppedQuotes > 0);
        var universe = QuoteGenerator.Universe(120);
        Assert.All(status.Symbols, s => Assert.Contains(s, universe));
        Assert.Equal(status.Symbols.Order(), (await Ingest.GetSymbolsAsync()).Order());

        // The bound holds: more quotes make no more symbols.
        await Task.Delay(300);
        Assert.Equal(50, (await Ingest.GetSymbolsAsync()).Count);

        // A discovered symbol has a grain with quotes; a dropped one was never given one.
        var discovered = status.Symbols[0];
        await Eventually.Until(() => _cluster.Client.GetGrain<ISymbolGrain>(discovered).GetLatestAsync(), q => q is not null,
            TimeSpan.FromSeconds(10), $"{discovered}'s grain to hold a quote");
        var dropped = universe.First(s => !status.Symbols.Contains(s));
        Assert.Null(await _cluster.Client.GetGrain<ISymbolGrain>(dropped).GetLatestAsync());
    }

    [Fact]
    public async Task Symbols_cannot_be_added_or_removed_while_every_symbol_is_ingested()
    {
        var add = await Assert.ThrowsAsync<AllSymbolsIngestedException>(() => Ingest.AddSymbolsAsync(["ZZZZ"]));
        Assert.Contains("MONITORED_SYMBOLS=*", add.Message);
        await Assert.ThrowsAsync<AllSymbolsIngestedException>(() => Ingest.RemoveSymbolsAsync(["SPY"]));
    }

    [Fact]
    public async Task A_caller_that_holds_the_list_is_sent_nothing_while_it_is_unchanged_and_only_what_was_added_after_its_part()
    {
        await Eventually.Until(Ingest.GetSymbolsAsync, s => s.Count == 50, TimeSpan.FromSeconds(20), "50 symbols discovered");

        var whole = await Ingest.GetSymbolsSinceAsync(SymbolListVersion.None);
        Assert.NotNull(whole);
        Assert.True(whole.Whole);
        Assert.True(whole.Discovered);
        Assert.Equal(await Ingest.GetSymbolsAsync(), whole.Symbols);
        Assert.Equal(50, whole.Version.Changes);
        Assert.Null(await Ingest.GetSymbolsSinceAsync(whole.Version));

        // A caller that holds the first ten is sent the forty after them, in order of arrival.
        var tail = await Ingest.GetSymbolsSinceAsync(whole.Version with { Changes = 10 });
        Assert.NotNull(tail);
        Assert.False(tail.Whole);
        Assert.Equal(whole.Symbols.Skip(10), tail.Symbols);

        // One that holds another activation's list gets the whole of this one.
        var other = await Ingest.GetSymbolsSinceAsync(whole.Version with { Activation = Guid.NewGuid() });
        Assert.True(other!.Whole);
        Assert.Equal(whole.Symbols, other.Symbols);
    }
}
