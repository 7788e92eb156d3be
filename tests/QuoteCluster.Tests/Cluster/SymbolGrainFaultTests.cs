using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using QuoteCluster.Ingest;
using QuoteCluster.Quotes;
using QuoteCluster.Streams;
using QuoteCluster.Symbols;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Cluster;

/// <summary>What a SymbolGrain must survive: a failed send to its writer, its own deactivation, and bad timestamps.</summary>
public class SymbolGrainFaultTests(FakeTimeClusterFixture fixture) : IClassFixture<FakeTimeClusterFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_trailing_write_whose_flush_fails_is_sent_by_the_storage_sweep()
    {
        var grain = fixture.Grain("TRAIL");
        await grain.ApplyAsync(fixture.QuoteNow("TRAIL", 100), 1);
        await fixture.StoredBidAsync("TRAIL", 100);

        // The last quote before the close waits for its interval, and the timer's flush of it fails.
        await grain.ApplyAsync(fixture.QuoteNow("TRAIL", 101), 1);
        Assert.True((await grain.GetWriteStatsAsync()).WritePending);
        fixture.Fault.Fail("TRAIL");
        await Eventually.Until(
            () =>
            {
                fixture.Time.Advance(TimeSpan.FromMilliseconds(200));
                return Task.FromResult(fixture.Fault.Refused);
            },
            refused => refused > 0, Wait, "the trailing write's flush to fail");
        fixture.Fault.Heal();

        // No new quote comes, no stop: only the ingest grain's periodic sweep asks again, and must get it written.
        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        await grain.EnsureStoredAsync();
        await fixture.StoredBidAsync("TRAIL", 101);
        Assert.False((await grain.GetWriteStatsAsync()).WritePending);
    }

    [Fact]
    public async Task A_write_never_confirmed_holds_back_the_next_until_the_sweep_sends_the_latest_after_the_resend_time()
    {
        var grain = fixture.Grain("UNCONFIRMED");
        fixture.Fault.FailConfirmations("UNCONFIRMED");
        try
        {
            await grain.ApplyAsync(fixture.QuoteNow("UNCONFIRMED", 100), 1);
            await fixture.StoredBidAsync("UNCONFIRMED", 100);

            // As far as the grain knows its writer still holds bid 100: nothing more goes, however many intervals pass.
            for (var bid = 101; bid <= 105; bid++)
            {
                fixture.Time.Advance(TimeSpan.FromSeconds(1));
                await grain.ApplyAsync(fixture.QuoteNow("UNCONFIRMED", bid), 1);
            }

            await grain.EnsureStoredAsync();
            var waiting = await grain.GetWriteStatsAsync();
            Assert.Equal(1, waiting.WritesSent);
            Assert.True(waiting.AwaitingConfirmation);
        }
        finally
        {
            fixture.Fault.Heal();
        }

        fixture.Time.Advance(TimeSpan.FromSeconds(30));
        await grain.EnsureStoredAsync();
        await fixture.StoredBidAsync("UNCONFIRMED", 105);
        await Eventually.Until(grain.GetWriteStatsAsync, s => !s.AwaitingConfirmation && !s.WritePending, Wait, "the resent write's confirmation");
    }

    [Fact]
    public async Task A_write_never_confirmed_is_sent_again_at_once_when_a_silo_dies()
    {
        var grain = fixture.Grain("SILODIED");
        fixture.Fault.FailConfirmations("SILODIED");
        try
        {
            await grain.ApplyAsync(fixture.QuoteNow("SILODIED", 7), 1);
            await fixture.StoredBidAsync("SILODIED", 7);
            fixture.Time.Advance(TimeSpan.FromSeconds(2));
            await grain.ApplyAsync(fixture.QuoteNow("SILODIED", 8), 1);
            Assert.Equal(1, (await grain.GetWriteStatsAsync()).WritesSent);
        }
        finally
        {
            fixture.Fault.Heal();
        }

        // The ingest grain asks this of every symbol when a silo dies: the writer holding bid 7 may have gone with it.
        await grain.ResendUnconfirmedAsync();
        await fixture.StoredBidAsync("SILODIED", 8);
    }

    [Fact]
    public async Task A_send_that_arrives_after_a_newer_version_was_written_never_puts_the_older_quote_back()
    {
        // The writer may write a symbol's newer quote (read from its grain) while an older send is still in the stream,
        // as one re-sent when a silo died is: that send must not be written after it.
        var grain = fixture.Grain("LATESEND");
        await grain.ApplyAsync(fixture.QuoteNow("LATESEND", 10), 1);
        await fixture.StoredBidAsync("LATESEND", 10);
        var written = (await grain.GetLatestAsync())!;

        var partition = QuoteStreams.WriterPartition("LATESEND", new QuoteCluster.Configuration.QuoteClusterOptions().WriterPartitions);
        var writes = fixture.Cluster.Client.GetStreamProvider(QuoteStreams.Provider).GetStream<QuoteUpdate>(QuoteStreams.Writes(partition));
        await writes.OnNextAsync(new QuoteUpdate(written.Quote with { Bid = 9 }, written.Version - 1));
        for (var i = 0; i < 20; i++)
        {
            fixture.Time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Delay(30);
        }

        Assert.DoesNotContain(fixture.Store.Writes, w => w.Quote.Symbol == "LATESEND" && w.Quote.Bid == 9);
        Assert.Equal(10, fixture.Store.LastWritten("LATESEND")!.Bid);
    }

    [Fact]
    public async Task A_grain_that_comes_back_answers_with_its_latest_quote()
    {
        var grain = fixture.Grain("BACK");
        await grain.ApplyAsync(fixture.QuoteNow("BACK", 50), 1);
        var before = await grain.GetLatestAsync();

        await grain.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.Until(
            async () => await grain.GetLatestAsync(),
            latest => latest is not null && latest.Version == before!.Version && latest.Quote == before.Quote, Wait,
            "the re-activated grain to hold the quote it had");
    }

    [Fact]
    public async Task One_future_dated_exchange_time_does_not_freeze_the_symbol()
    {
        var grain = fixture.Grain("FUTURE");
        await grain.ApplyAsync(fixture.QuoteNow("FUTURE", 10, exchangeOffset: TimeSpan.FromDays(365)), 1);
        fixture.Time.Advance(TimeSpan.FromMilliseconds(50));
        await grain.ApplyAsync(fixture.QuoteNow("FUTURE", 11), 1);
        Assert.Equal(11, (await grain.GetLatestAsync())!.Quote.Bid);

        // A real quote a moment older than one just accepted is still dropped: the bound is on the future only.
        await grain.ApplyAsync(fixture.QuoteNow("FUTURE", 12, exchangeOffset: TimeSpan.FromSeconds(-1)), 1);
        Assert.Equal(11, (await grain.GetLatestAsync())!.Quote.Bid);
    }

    [Fact]
    public async Task The_same_quote_delivered_again_makes_no_new_version()
    {
        var grain = fixture.Grain("AGAIN");
        var quote = fixture.QuoteNow("AGAIN", 20);
        await grain.ApplyAsync(quote, 1);
        var first = await grain.GetLatestAsync();
        await grain.ApplyAsync(quote, 0);
        Assert.Equal(first!.Version, (await grain.GetLatestAsync())!.Version);
        Assert.Equal(1, (await grain.GetWriteStatsAsync()).Updates);
    }

    [Fact]
    public async Task A_stop_with_a_symbol_that_cannot_flush_still_flushes_the_others_and_writes_the_stopped_heartbeat()
    {
        // One symbol's grain cannot be reached; two others' can.
        var failing = "STOPX";
        string[] healthy = ["STOPY", "STOPZ"];
        var symbols = healthy.Prepend(failing).ToArray();
        foreach (var symbol in symbols)
        {
            await fixture.Grain(symbol).ApplyAsync(fixture.QuoteNow(symbol, 1), 1);
            await fixture.StoredBidAsync(symbol, 1);
        }

        // Each now holds a trailing write that only the stop's flush can send; the failing one's flush fails.
        foreach (var symbol in symbols) await fixture.Grain(symbol).ApplyAsync(fixture.QuoteNow(symbol, 2), 1);
        fixture.Fault.Fail(failing);
        var ingest = fixture.Cluster.Client.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);
        await ingest.AddSymbolsAsync(symbols);
        try
        {
            var stopping = ingest.StopAsync("test");
            while (!stopping.IsCompleted)
            {
                fixture.Time.Advance(TimeSpan.FromMilliseconds(50));
                await Task.Delay(10);
            }

            await stopping;
        }
        finally
        {
            fixture.Fault.Heal();
        }

        Assert.True(fixture.Fault.Refused > 0);
        Assert.Equal("stopped", fixture.Store.Heartbeats[^1].Status);
        foreach (var symbol in healthy)
        {
            // The ingest grain primes symbols it is given, so the latest may be its snapshot rather than bid 2.
            Assert.Equal((await fixture.Grain(symbol).GetLatestAsync())!.Quote, fixture.Store.LastWritten(symbol));
        }
    }
}
