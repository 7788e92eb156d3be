using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Serialization;
using Orleans.Streams;
using Orleans.TestingHost;
using QuoteCluster.Quotes;
using QuoteCluster.Streams;
using QuoteCluster.Symbols;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Streams;

/// <summary>
/// A silo's live updates leave in batches, one stream event per live partition for what its grains published while the
/// previous one was on its way, none larger than the stream's cache can hold; a batch that cannot be published fails
/// every publish in it, and a grain publishes such a quote when ingest delivers it again.
/// </summary>
public sealed class LiveQuotePublisherTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly EnqueueFault _fault = new();
    private InProcessTestCluster _cluster = null!;

    private LiveQuotePublisher Publisher => _cluster.Silos[0].ServiceProvider.GetRequiredService<LiveQuotePublisher>();

    public async Task InitializeAsync()
    {
        // No feed: only what a test publishes reaches the live streams.
        var options = QuoteClusterTestCluster.Options(("INGEST_AUTOSTART", "0"), ("ORLEANS_DASHBOARD", "0"), ("DRY_RUN", "1"));
        _cluster = await QuoteClusterTestCluster.StartAsync(1, options, store: null,
            configure: silo => silo.Services.AddSingleton<IIncomingGrainCallFilter>(_fault));
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Updates_published_together_leave_in_few_stream_events()
    {
        var symbols = SymbolsOfPartition(0, 40);
        var received = await WatchAsync(0);

        // Five versions of each of forty symbols, as a busy silo's grains publish them: all at once.
        var published = new List<Task>();
        for (var version = 1; version <= 5; version++)
        {
            published.AddRange(symbols.Select(s => Publisher.PartitionOf(s).PublishAsync(Update(s, version))));
        }

        await Task.WhenAll(published);
        await Eventually.Until(() => received.Sum(b => b.Updates.Length) >= 200, Wait, "the 200 updates at the consumer");

        Assert.Equal(200, received.Sum(b => b.Updates.Length));
        Assert.True(received.Count <= 20, $"200 updates published at once left in {received.Count} stream events");
    }

    [Fact]
    public async Task Grains_updated_together_reach_the_stream_each_in_its_own_order()
    {
        var symbols = SymbolsOfPartition(3, 40);
        var received = await WatchAsync(3);
        var start = DateTimeOffset.UtcNow;

        // Each symbol's quotes one after another, as the ingest pump sends them; the forty symbols at once.
        await Task.WhenAll(symbols.Select(async symbol =>
        {
            var grain = _cluster.Client.GetGrain<ISymbolGrain>(symbol);
            for (var i = 1; i <= 5; i++)
            {
                var at = start.AddMilliseconds(i);
                await grain.ApplyAsync(new Quote(symbol, 10 + i, 10.02 + i, 1, 1, null, at, at, QuoteSources.Simulated), 1);
            }
        }));
        await Eventually.Until(() => received.Sum(b => b.Updates.Length) >= 200, Wait, "the 200 updates at the consumer");

        foreach (var symbol in symbols)
        {
            var bids = received.SelectMany(b => b.Updates).Where(u => u.Quote.Symbol == symbol).Select(u => u.Quote.Bid).ToList();
            Assert.Equal([11d, 12d, 13d, 14d, 15d], bids);
        }

        Assert.True(received.Count < 200, $"200 updates of forty grains updated together left in {received.Count} stream events");
    }

    [Fact]
    public async Task More_updates_than_a_batch_holds_leave_in_several_events_and_all_arrive()
    {
        // What a partition gathers while its stream stalls: more than one event can carry through the stream's cache.
        var symbols = SymbolsOfPartition(4, 500);
        var received = await WatchAsync(4);

        await Task.WhenAll(symbols.SelectMany(s => new[] { Update(s, 1), Update(s, 2) }).Select(u => Publisher.PartitionOf(u.Quote.Symbol).PublishAsync(u)));
        await Eventually.Until(() => received.Sum(b => b.Updates.Length) >= 1000, Wait, "the 1,000 updates at the consumer");

        Assert.Equal(1000, received.Sum(b => b.Updates.Length));
        Assert.All(received, b => Assert.True(b.Updates.Length <= LiveQuotePublisher.MaxBatchUpdates));
    }

    [Fact]
    public void A_full_batch_of_long_symbols_fits_one_buffer_of_the_streams_cache()
    {
        var serializer = _cluster.Silos[0].ServiceProvider.GetRequiredService<Serializer>();
        var now = DateTimeOffset.UtcNow;
        var batch = new LiveQuoteBatch([.. Enumerable.Range(0, LiveQuotePublisher.MaxBatchUpdates).Select(i => new QuoteUpdate(
            new Quote($"LONGSYMBOL{i:D3}.WS", 12345.6789 + i, 12345.9876 + i, 1_000_000 + i, 2_000_000 + i, 12345.5 + i, now, now, QuoteSources.Alpaca),
            now.UtcTicks + i))]);

        var bytes = serializer.SerializeToArray(batch).Length;
        Assert.True(bytes * 2 <= WaitingMemoryAdapterFactory.CacheBufferBytes,
            $"a batch of {LiveQuotePublisher.MaxBatchUpdates} updates is {bytes} bytes, against buffers of {WaitingMemoryAdapterFactory.CacheBufferBytes}");
    }

    [Fact]
    public void The_stream_queues_carry_the_same_number_of_live_partitions_each()
    {
        // The silo's own mapper, as its pulling agents and producers use it.
        var mapper = _cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IQueueAdapterFactory>(QuoteStreams.Provider).GetStreamQueueMapper();
        var perQueue = Enumerable.Range(0, QuoteStreams.LivePartitions).GroupBy(p => mapper.GetQueueForStream(QuoteStreams.Live(p))).ToList();

        Assert.Equal(mapper.GetAllQueues().Count(), perQueue.Count);
        Assert.All(perQueue, q => Assert.Equal(QuoteStreams.LivePartitions / perQueue.Count, q.Count()));
    }

    [Fact]
    public async Task A_batch_that_cannot_be_published_fails_every_publish_in_it()
    {
        var symbols = SymbolsOfPartition(1, 10);
        var received = await WatchAsync(1);

        _fault.Failing = true;
        var published = symbols.Select(s => Publisher.PartitionOf(s).PublishAsync(Update(s, 1))).ToList();
        foreach (var publish in published) await Assert.ThrowsAnyAsync<Exception>(() => publish);
        _fault.Failing = false;

        await Task.WhenAll(symbols.Select(s => Publisher.PartitionOf(s).PublishAsync(Update(s, 2))));
        await Eventually.Until(() => received.Sum(b => b.Updates.Length) >= symbols.Count, Wait, "the updates after the fault");
        Assert.All(received.SelectMany(b => b.Updates), u => Assert.Equal(2, u.Version));
    }

    [Fact]
    public async Task A_quote_whose_publish_failed_is_published_and_sent_to_storage_when_ingest_delivers_it_again()
    {
        // The ingest pump retries a delivery that failed with the same quote, which the grain already holds: taken for a
        // redelivery it was not published again, and the live streams never carried it.
        var (symbol, grain, quote, received) = await ApplyWhilePublishingFailsAsync(partition: 2);
        Assert.Equal(0, (await grain.GetWriteStatsAsync()).WritesSent);

        await grain.ApplyAsync(quote, 1);
        var held = await grain.GetLatestAsync();
        await Eventually.Until(() => received.SelectMany(b => b.Updates).Any(u => u.Quote.Symbol == symbol), Wait,
            "the retried quote on the live stream");
        Assert.Equal(held!.Version, received.SelectMany(b => b.Updates).Single(u => u.Quote.Symbol == symbol).Version);
        Assert.Equal(1, (await grain.GetWriteStatsAsync()).WritesSent);
    }

    [Fact]
    public async Task A_quote_whose_publish_failed_but_whose_write_went_is_published_again_without_a_second_write()
    {
        // Ingest's sweep sends an unconfirmed quote to storage whether or not it was published; the retried delivery
        // must then publish it, and not send storage the same version again.
        var (symbol, grain, quote, received) = await ApplyWhilePublishingFailsAsync(partition: 5);
        await grain.EnsureStoredAsync();
        var held = (await grain.GetLatestAsync())!;
        await Eventually.Until(async () => await grain.GetWriteStatsAsync(), s => s.StoredVersion == held.Version, Wait,
            "the swept write confirmed");

        await grain.ApplyAsync(quote, 1);
        await Eventually.Until(() => received.SelectMany(b => b.Updates).Any(u => u.Quote.Symbol == symbol), Wait,
            "the retried quote on the live stream");

        // Three times PER_SYMBOL_MIN_INTERVAL_MS, so a trailing write would have gone by now, even on a loaded machine.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(held.Version, received.SelectMany(b => b.Updates).Single(u => u.Quote.Symbol == symbol).Version);
        Assert.Equal(1, (await grain.GetWriteStatsAsync()).WritesSent);
    }

    [Fact]
    public async Task A_grain_back_from_storage_publishes_its_quote_when_ingest_delivers_it_again()
    {
        // Whether the activation that died published its last quote is not known: ingest re-delivers every symbol's
        // last quote when a silo dies, and the grain that comes back must put it on the live stream, not take it for a
        // quote it already published.
        var symbol = SymbolsOfPartition(6, 1)[0];
        var grain = _cluster.Client.GetGrain<ISymbolGrain>(symbol);
        var now = DateTimeOffset.UtcNow;
        var quote = new Quote(symbol, 10, 10.02, 1, 1, null, now, now, QuoteSources.Simulated);
        await grain.ApplyAsync(quote, 1);
        var held = (await grain.GetLatestAsync())!;

        await grain.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.Until(async () => await grain.GetWriteStatsAsync(), s => s.WritesSent == 0, Wait, "a new activation of the grain");
        Assert.Equal(held, await grain.GetLatestAsync());
        var received = await WatchAsync(6);

        await grain.ApplyAsync(quote, 1);
        await Eventually.Until(() => received.SelectMany(b => b.Updates).Any(u => u.Quote.Symbol == symbol), Wait,
            "the re-delivered quote on the live stream");
        Assert.Equal(held.Version, received.SelectMany(b => b.Updates).Single(u => u.Quote.Symbol == symbol).Version);
    }

    /// <summary>
    /// A quote of a symbol of <paramref name="partition"/>, applied while the live stream refuses it: the grain holds it
    /// and the stream has not carried it. <c>Received</c> watches the partition from before.
    /// </summary>
    private async Task<(string Symbol, ISymbolGrain Grain, Quote Quote, ConcurrentQueue<LiveQuoteBatch> Received)> ApplyWhilePublishingFailsAsync(int partition)
    {
        var symbol = SymbolsOfPartition(partition, 1)[0];
        var received = await WatchAsync(partition);
        var grain = _cluster.Client.GetGrain<ISymbolGrain>(symbol);
        var now = DateTimeOffset.UtcNow;
        var quote = new Quote(symbol, 10, 10.02, 1, 1, null, now, now, QuoteSources.Simulated);

        _fault.Failing = true;
        await Assert.ThrowsAnyAsync<Exception>(() => grain.ApplyAsync(quote, 1));
        _fault.Failing = false;
        return (symbol, grain, quote, received);
    }

    private static QuoteUpdate Update(string symbol, long version)
    {
        var now = DateTimeOffset.UtcNow;
        return new QuoteUpdate(new Quote(symbol, 10, 10.02, 1, 1, null, now, now, QuoteSources.Simulated), version);
    }

    /// <summary>Test symbols no feed sends, all carried by one live partition.</summary>
    private static List<string> SymbolsOfPartition(int partition, int count) =>
        [.. Enumerable.Range(0, 100_000).Select(i => $"LQP{i}").Where(s => QuoteStreams.LivePartition(s) == partition).Take(count)];

    private async Task<ConcurrentQueue<LiveQuoteBatch>> WatchAsync(int partition)
    {
        var received = new ConcurrentQueue<LiveQuoteBatch>();
        await _cluster.Client.GetStreamProvider(QuoteStreams.Provider).GetStream<LiveQuoteBatch>(QuoteStreams.Live(partition))
            .SubscribeAsync((batch, _) =>
            {
                received.Enqueue(batch);
                return Task.CompletedTask;
            });
        return received;
    }

    /// <summary>While failing, every event enqueued into the memory streams' queues is refused, as by a queue whose silo is gone.</summary>
    private sealed class EnqueueFault : IIncomingGrainCallFilter
    {
        public volatile bool Failing;

        public Task Invoke(IIncomingGrainCallContext context) =>
            Failing && context.InterfaceMethod?.DeclaringType == typeof(IMemoryStreamQueueGrain)
                && context.InterfaceMethod.Name == nameof(IMemoryStreamQueueGrain.Enqueue)
                ? throw new InvalidOperationException("The stream queue is unreachable (injected).")
                : context.Invoke();
    }
}
