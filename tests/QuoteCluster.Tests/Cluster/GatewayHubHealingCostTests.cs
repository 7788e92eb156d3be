using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;
using QuoteCluster.Api.Live;
using QuoteCluster.Configuration;
using QuoteCluster.Quotes;
using QuoteCluster.Streams;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Cluster;

/// <summary>
/// What the gateway hub's healing pass costs the cluster, counted as the SymbolGrains receive the reads: nothing for a
/// symbol whose stream delivered since the last pass, and at most LIVE_RESYNC_MAX_READS reads a pass however many
/// symbols are quiet, shared out so that each is read in turn and a busy symbol gone silent is read first.
/// </summary>
public sealed class GatewayHubHealingCostTests : IAsyncLifetime
{
    private const int ReadsPerPass = 10;
    private static readonly IReadOnlyList<string> Busy = ClusterScenarios.Symbols(3);
    private static readonly IReadOnlyList<string> Quiet = [.. Enumerable.Range(0, 4 * ReadsPerPass).Select(i => $"QUIET{i}")];
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly SymbolReads _reads = new();
    private readonly StreamDeliveryDelay _streamDelay = new();
    private QuoteClusterOptions _options = null!;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        // The busy symbols get a hundred updates a second each; the quiet ones are not ingested at all, so their grains
        // never move, and they stay in the hub because a listener wants them.
        _options = QuoteClusterTestCluster.Options(
            ("MONITORED_SYMBOLS", string.Join(',', Busy)), ("SIMULATED_QUOTES_PER_SEC", "300"), ("INGEST_BATCH_INTERVAL_MS", "5"),
            ("LIVE_RESYNC_MAX_READS", ReadsPerPass.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("ORLEANS_DASHBOARD", "0"));
        _cluster = await QuoteClusterTestCluster.StartAsync(1, _options, new RecordingQuoteStore(),
            configure: silo =>
            {
                silo.Services.AddSingleton<IIncomingGrainCallFilter>(_reads);
                silo.Services.AddSingleton<IIncomingGrainCallFilter>(_streamDelay);
            });
        await _cluster.Ingest().EnsureRunningAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_symbol_whose_stream_delivered_since_the_last_pass_costs_no_grain_read()
    {
        using var hub = NewHub();
        var listener = new CountingListener();
        foreach (var symbol in Busy) await hub.SubscribeAsync(symbol, listener);
        await Eventually.Until(() => Busy.All(s => listener.Count(s) > 20), Wait, "updates to flow");

        var before = _reads.Snapshot();
        for (var pass = 0; pass < 5; pass++)
        {
            await Task.Delay(200);
            await hub.ResyncAllAsync();
        }

        var reads = _reads.Since(before);
        Assert.All(Busy, s => Assert.True(reads.GetValueOrDefault(s) == 0, $"{s}, delivering all along, was read {reads.GetValueOrDefault(s)} times in 5 passes"));
    }

    [Fact]
    public async Task A_pass_reads_at_most_its_budget_and_each_quiet_symbol_in_turn()
    {
        using var hub = NewHub();
        var listener = new CountingListener();
        foreach (var symbol in Quiet) await hub.SubscribeAsync(symbol, listener);

        var before = _reads.Snapshot();
        for (var pass = 1; pass <= Quiet.Count / ReadsPerPass; pass++)
        {
            var total = _reads.Total;
            await hub.ResyncAllAsync();
            Assert.True(_reads.Total - total <= ReadsPerPass, $"pass {pass} read {_reads.Total - total} grains, over its budget of {ReadsPerPass}");
        }

        // Four passes of ten reads over forty quiet symbols: each once, none twice while another waited.
        var reads = _reads.Since(before);
        Assert.All(Quiet, s => Assert.True(reads.GetValueOrDefault(s) == 1, $"{s} was read {reads.GetValueOrDefault(s)} times in {Quiet.Count / ReadsPerPass} passes"));
    }

    [Fact]
    public async Task A_busy_symbol_gone_silent_is_read_before_quiet_symbols_read_since_and_heals_within_two_passes()
    {
        using var hub = NewHub();
        var listener = new CountingListener();
        foreach (var symbol in Quiet) await hub.SubscribeAsync(symbol, listener);
        await hub.SubscribeAsync(Busy[0], listener);
        await Eventually.Until(() => listener.Count(Busy[0]) > 20, Wait, "updates to flow");

        // Every quiet symbol is now read more recently than the busy one, which delivers and is never read.
        for (var pass = 0; pass < Quiet.Count / ReadsPerPass; pass++) await hub.ResyncAllAsync();

        var stream = _cluster.Client.GetStreamProvider(QuoteStreams.Provider).GetStream<LiveQuoteBatch>(QuoteStreams.Live(QuoteStreams.LivePartition(Busy[0])));
        foreach (var handle in await stream.GetAllSubscriptionHandles()) await handle.UnsubscribeAsync();
        await Task.Delay(300);

        // The first pass may still see deliveries from before the fault; the second must read it first and heal it.
        var before = _reads.Of(Busy[0]);
        await hub.ResyncAllAsync();
        await Task.Delay(300);
        await hub.ResyncAllAsync();
        Assert.True(_reads.Of(Busy[0]) > before, "the silent busy symbol was not read in two passes");

        // What the grain published in the same second tells a hub that left its listeners behind from an ingest that
        // published less.
        var grain = _cluster.Client.GetGrain<QuoteCluster.Symbols.ISymbolGrain>(Busy[0]);
        var publishedBefore = (await grain.GetWriteStatsAsync()).Updates;
        var healedFrom = listener.Count(Busy[0]);
        await Task.Delay(1000);
        var perSecond = listener.Count(Busy[0]) - healedFrom;
        var published = (await grain.GetWriteStatsAsync()).Updates - publishedBefore;
        Assert.True(perSecond >= 50, $"after two passes the symbol got {perSecond} updates in a second, not its ~100 a second (its grain published {published})");
    }

    [Fact]
    public async Task An_update_still_on_its_way_is_not_taken_for_silence_however_long_its_quote_waited_in_ingest()
    {
        // Under load a quote can wait in ingest longer than the hub's grace; the grace must run from when the hub saw
        // the grain ahead of its stream, not from the quote's receipt, or every update in flight looks like silence.
        using var hub = NewHub();
        var symbol = Quiet[0];
        var listener = new CountingListener();
        await hub.SubscribeAsync(symbol, listener);
        await hub.ResyncAllAsync();
        var subscribes = hub.StreamSubscribes;

        _streamDelay.Hold(TimeSpan.FromMilliseconds(150));
        var now = DateTimeOffset.UtcNow;
        var waited = new Quote(symbol, 10, 10.02, 1, 1, null, now.AddSeconds(-2), now.AddSeconds(-2), QuoteSources.Simulated);
        await _cluster.Client.GetGrain<QuoteCluster.Symbols.ISymbolGrain>(symbol).ApplyAsync(waited, 1);
        await hub.ResyncAllAsync();

        Assert.Equal(subscribes, hub.StreamSubscribes);
        await Eventually.Until(() => listener.Count(symbol) > 0, Wait, "the update to arrive");

        // The listeners were fed from the grain while the hub looked closer; once the update came, that stops, rather
        // than going on for the five seconds a re-made subscription gets.
        var reads = _reads.Of(symbol);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.True(_reads.Of(symbol) - reads <= 3, $"{_reads.Of(symbol) - reads} grain reads in the 1.5 s after the suspicion cleared");
    }

    private QuoteSubscriptionHub NewHub() =>
        new(_cluster.Client, _options, TimeProvider.System, NullLogger<QuoteSubscriptionHub>.Instance);
}
