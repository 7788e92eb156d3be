using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using QuoteCluster.Ingest;
using QuoteCluster.Quotes;
using QuoteCluster.Symbols;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Cluster;

/// <summary>
/// A one-silo cluster whose QuoteCluster clock is fake: the SymbolGrain's throttle runs on virtual time. Its flush calls
/// can be made to fail (<see cref="Fault"/>), and its ingest grain, when a test starts it, makes almost no quotes of its own.
/// </summary>
public sealed class FakeTimeClusterFixture : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public RecordingQuoteStore Store { get; } = new();

    public SymbolCallFault Fault { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = QuoteClusterTestCluster.Options(
            ("INGEST_AUTOSTART", "0"), ("PER_SYMBOL_MIN_INTERVAL_MS", "1000"), ("FLUSH_INTERVAL_MS", "20"),
            ("GLOBAL_WRITES_PER_SEC", "1000"), ("GLOBAL_BURST", "1000"), ("ORLEANS_DASHBOARD", "0"),
            ("SIMULATED_QUOTES_PER_SEC", "0.1"), ("MONITORED_SYMBOLS", "STOPPED"));
        Cluster = await QuoteClusterTestCluster.StartAsync(1, options, Store, Time,
            silo => silo.Services.AddSingleton<IIncomingGrainCallFilter>(Fault));
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    public Quote QuoteNow(string symbol, double bid, TimeSpan? exchangeOffset = null)
    {
        var now = Time.GetUtcNow();
        return new Quote(symbol, bid, bid + 0.02, 1, 1, null, now + (exchangeOffset ?? TimeSpan.Zero), now, QuoteSources.Simulated);
    }

    public ISymbolGrain Grain(string symbol) => Cluster.Client.GetGrain<ISymbolGrain>(symbol);

    /// <summary>
    /// Waits for storage to hold <paramref name="bid"/>, letting virtual time pass meanwhile: the writer also keeps one
    /// write per document per interval, counted on the same clock from its own previous write.
    /// </summary>
    public Task StoredBidAsync(string symbol, double bid) => Eventually.Until(
        () =>
        {
            Time.Advance(TimeSpan.FromMilliseconds(100));
            return Task.FromResult(Store.LastWritten(symbol)?.Bid);
        },
        stored => stored == bid, Wait, $"{symbol}'s last quote in storage");
}

public class SymbolGrainThrottleTests(FakeTimeClusterFixture fixture) : IClassFixture<FakeTimeClusterFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_burst_is_written_once_at_once_and_its_last_quote_on_the_trailing_edge()
    {
        var grain = fixture.Grain("BURST");
        await grain.ApplyAsync(fixture.QuoteNow("BURST", 100), 1);
        Assert.Equal(1, (await grain.GetWriteStatsAsync()).WritesSent);

        // The leading write is written and confirmed before the burst goes on. A writer that first looked at it after
        // the burst's virtual second would find it held past the interval and write the grain's newest quote instead,
        // leaving no trailing write to make (1 run in 5 did).
        await Eventually.Until(grain.GetWriteStatsAsync, s => !s.AwaitingConfirmation, Wait, "the writer's confirmation of the leading write");

        for (var i = 1; i <= 9; i++)
        {
            fixture.Time.Advance(TimeSpan.FromMilliseconds(100));
            await grain.ApplyAsync(fixture.QuoteNow("BURST", 100 + i), 3);
        }

        var during = await grain.GetWriteStatsAsync();
        Assert.Equal(1, during.WritesSent);
        Assert.True(during.WritePending);
        Assert.Equal(28, during.QuotesIn);

        fixture.Time.Advance(TimeSpan.FromMilliseconds(100));
        await Eventually.Until(grain.GetWriteStatsAsync, s => s.WritesSent == 2 && !s.WritePending, Wait, "the trailing-edge write");
        await fixture.StoredBidAsync("BURST", 109);
    }

    [Fact]
    public async Task A_steady_stream_is_written_at_most_once_per_interval()
    {
        var grain = fixture.Grain("STEADY");
        for (var i = 0; i < 200; i++)
        {
            await grain.ApplyAsync(fixture.QuoteNow("STEADY", 50 + i * 0.01), 1);
            fixture.Time.Advance(TimeSpan.FromMilliseconds(50));
        }

        // 200 quotes over 10 s of virtual time: one write per second at most, and the last one written. Fewer go when
        // the writer, which runs on real time, has not confirmed the previous one yet.
        await fixture.StoredBidAsync("STEADY", 50 + 199 * 0.01);
        var stats = await grain.GetWriteStatsAsync();
        Assert.InRange(stats.WritesSent, 1, 11);
        Assert.Equal(200, stats.Updates);
        Assert.False(stats.WritePending);
    }

    [Fact]
    public async Task An_older_exchange_timestamp_never_overwrites_a_newer_one()
    {
        var grain = fixture.Grain("ORDER");
        await grain.ApplyAsync(fixture.QuoteNow("ORDER", 10, TimeSpan.FromSeconds(2)), 1);
        await grain.ApplyAsync(fixture.QuoteNow("ORDER", 5, TimeSpan.FromSeconds(1)), 2);

        var latest = await grain.GetLatestAsync();
        Assert.Equal(10, latest!.Quote.Bid);
        var stats = await grain.GetWriteStatsAsync();
        Assert.Equal(2, stats.StaleDropped);
        Assert.Equal(1, stats.Updates);
    }

    [Fact]
    public async Task A_quote_without_a_trade_keeps_the_last_trade_price()
    {
        var grain = fixture.Grain("TRADE");
        await grain.ApplyAsync(fixture.QuoteNow("TRADE", 10) with { LastPrice = 10.01 }, 1);
        fixture.Time.Advance(TimeSpan.FromMilliseconds(10));
        await grain.ApplyAsync(fixture.QuoteNow("TRADE", 11), 1);
        var latest = await grain.GetLatestAsync();
        Assert.Equal(11, latest!.Quote.Bid);
        Assert.Equal(10.01, latest.Quote.Price);
    }

    [Fact]
    public async Task Versions_only_grow()
    {
        var grain = fixture.Grain("VERSION");
        await grain.ApplyAsync(fixture.QuoteNow("VERSION", 1), 1);
        var first = (await grain.GetLatestAsync())!.Version;
        await grain.ApplyAsync(fixture.QuoteNow("VERSION", 2), 1);
        Assert.True((await grain.GetLatestAsync())!.Version > first);
    }

    [Fact]
    public async Task A_grain_keyed_by_an_invalid_symbol_refuses_with_a_message_naming_it()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => fixture.Grain("bad$").GetLatestAsync());
        Assert.Contains("'bad$'", error.Message);
    }

    [Fact]
    public async Task Adding_an_invalid_symbol_changes_nothing_and_names_it()
    {
        var ingest = fixture.Cluster.Client.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);
        var before = await ingest.GetSymbolsAsync();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ingest.AddSymbolsAsync(["MSFT", "no good"]));
        Assert.Contains("'no good'", error.Message);
        Assert.Equal(before, await ingest.GetSymbolsAsync());

        Assert.Contains("MSFT", await ingest.AddSymbolsAsync(["msft"]));
        Assert.DoesNotContain("MSFT", await ingest.RemoveSymbolsAsync(["MSFT"]));
    }
}
