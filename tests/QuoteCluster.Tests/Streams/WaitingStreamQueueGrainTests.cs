using System.Diagnostics;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Providers.Streams.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Streams;
using QuoteCluster.Streams;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Streams;

/// <summary>
/// The memory streams' queues answer an empty read when an event arrives: the stream hop then costs no poll. Orleans'
/// own queue grain answers an empty read at once, and the pulling agent's next poll came a timer tick (4.3 ms here)
/// later.
/// </summary>
public sealed class WaitingStreamQueueGrainTests(OneSiloCluster fixture) : IClassFixture<OneSiloCluster>
{
    /// <summary>A queue as the memory streams reach it: by Orleans' queue interface and a key.</summary>
    private IMemoryStreamQueueGrain NewQueue() => fixture.Cluster.Client.GetGrain<IMemoryStreamQueueGrain>(Guid.NewGuid());

    [Fact]
    public void The_queues_keep_the_grain_type_of_Orleans_own_so_old_and_new_silos_share_them_in_a_rolling_update()
    {
        Assert.Equal("memorystreamqueue", NewQueue().GetGrainId().Type.ToString());
    }

    [Fact]
    public async Task A_read_of_an_empty_queue_waits_and_answers_with_the_event_that_arrives()
    {
        var queue = NewQueue();
        for (var attempt = 1; ; attempt++)
        {
            var read = queue.Dequeue(10);
            await Task.Delay(50);
            if (!read.IsCompleted)
            {
                await queue.Enqueue(Event(attempt));
                var events = await read.WaitAsync(TimeSpan.FromSeconds(10));

                // Empty only if the machine stalled past the read's bound before the event went in: try again.
                if (events.Count > 0)
                {
                    Assert.Equal([attempt], events.Select(e => (int)e.Payload[0]));
                    return;
                }
            }

            Assert.True(attempt < 3, "a read of an empty queue answered before any event arrived, three times");
            await queue.Dequeue(10);
        }
    }

    [Fact]
    public async Task A_read_with_nothing_arriving_answers_empty_after_its_bound()
    {
        var queue = NewQueue();
        var watch = Stopwatch.StartNew();

        var events = await queue.Dequeue(10).WaitAsync(WaitingStreamQueueGrain.EmptyReadWaitsAtMost + TimeSpan.FromSeconds(10));

        Assert.Empty(events);
        Assert.True(watch.Elapsed >= WaitingStreamQueueGrain.EmptyReadWaitsAtMost * 0.8, $"answered after {watch.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task A_read_that_its_stopping_agent_cancels_answers_with_no_events_rather_than_an_error()
    {
        // The adapter the stream provider resolves, and a receiver as a pulling agent makes one (on a queue of its own).
        var factory = fixture.Silo.GetRequiredKeyedService<IQueueAdapterFactory>(QuoteStreams.Provider);
        Assert.IsType<WaitingMemoryAdapterFactory>(factory);
        var adapter = await factory.CreateAdapter(CancellationToken.None);
        var receiver = adapter.CreateReceiver(QueueId.GetQueueId("test-" + Guid.NewGuid().ToString("N"), 0, 0));
        await receiver.Initialize(TimeSpan.FromSeconds(5), CancellationToken.None);

        using var stop = new CancellationTokenSource();
        var read = receiver.GetQueueMessagesAsync(10, stop.Token);
        await Task.Delay(50);
        await stop.CancelAsync();

        // Orleans' receiver fails the read, and the agent logs that as an error at every stop.
        var events = await read.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(events);
    }

    [Fact]
    public void The_providers_cache_keeps_events_in_buffers_of_64_KB_not_Orleans_one_megabyte()
    {
        var cache = NewCache();

        cache.AddToCache([CachedEvent(WaitingMemoryAdapterFactory.CacheBufferBytes - 1_024)]);

        // An event a buffer cannot hold is refused: with Orleans' 1 MB buffers this one would be kept.
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.AddToCache([CachedEvent(WaitingMemoryAdapterFactory.CacheBufferBytes + 1)]));
    }

    [Fact]
    public void The_providers_cache_records_events_in_blocks_of_1_024_not_Orleans_16_384()
    {
        var cache = NewCache();
        IBatchContainer[] first = [CachedEvent(100)];

        var before = GC.GetAllocatedBytesForCurrentThread();
        cache.AddToCache(first);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The first event takes the cache's first block: Orleans' is 16,384 entries of 64 bytes, 1 MB. Ours is 64 KB,
        // with at most one 64 KB buffer for the event's bytes beside it.
        Assert.True(allocated < 512 * 1_024, $"the first event allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_small_block_is_allocated_below_the_large_object_heap()
    {
        // Objects on the large object heap report generation 2 from the start.
        Assert.Equal(0, GC.GetGeneration(new CachedMessage[CachedMessageBlockSize.EntriesPerBlock]));
    }

    [Fact]
    public void A_cache_as_Orleans_makes_it_takes_small_blocks_until_it_has_recorded_an_event()
    {
        var cache = new MemoryPooledCache<DefaultMemoryMessageBodySerializer>(
            new ObjectPool<FixedSizeBuffer>(() => new FixedSizeBuffer(WaitingMemoryAdapterFactory.CacheBufferBytes)),
            new TimePurgePredicate(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)),
            NullLogger.Instance,
            ActivatorUtilities.CreateInstance<DefaultMemoryMessageBodySerializer>(fixture.Silo),
            cacheMonitor: null,
            monitorWriteInterval: null,
            purgeMetadataInterval: null);

        Assert.True(CachedMessageBlockSize.TryUseSmallBlocks(cache));
        cache.AddToCache([CachedEvent(100)]);
        Assert.False(CachedMessageBlockSize.TryUseSmallBlocks(cache));
    }

    [Fact]
    public async Task Events_over_many_small_blocks_are_read_in_order_before_and_after_the_oldest_blocks_are_purged()
    {
        var cache = NewCache();
        var stream = StreamId.Create("test", "blocks-" + Guid.NewGuid().ToString("N"));
        var eviction = fixture.Silo.GetOptionsByName<StreamCacheEvictionOptions>(QuoteStreams.Provider);

        // Three blocks' worth, an hour older than the events that follow: past the cache's age limit once they have
        // been in it for its minimum time.
        AddEvents(cache, stream, 0, 3_000, DateTime.UtcNow - TimeSpan.FromHours(1));
        Assert.Equal(Enumerable.Range(0, 3_000), ReadFrom(cache, stream, 0));
        await Task.Delay(eviction.DataMinTimeInCache + TimeSpan.FromMilliseconds(500));
        AddEvents(cache, stream, 3_000, 100, DateTime.UtcNow);
        cache.TryPurgeFromCache(out _);

        Assert.Null(ReadFrom(cache, stream, 0));
        AddEvents(cache, stream, 3_100, 3_000, DateTime.UtcNow);
        Assert.Equal(Enumerable.Range(3_000, 3_100), ReadFrom(cache, stream, 3_000));
    }

    [Fact]
    public async Task Reads_take_at_most_the_count_asked_for_in_order_of_arrival_with_growing_sequence_numbers()
    {
        var queue = NewQueue();
        for (var i = 1; i <= 5; i++) await queue.Enqueue(Event(i));

        var first = await queue.Dequeue(3);
        var rest = await queue.Dequeue(10);

        Assert.Equal([1, 2, 3], first.Select(e => (int)e.Payload[0]));
        Assert.Equal([4, 5], rest.Select(e => (int)e.Payload[0]));
        var sequence = first.Concat(rest).Select(e => e.SequenceNumber).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => sequence[0] + i), sequence);
    }

    [Fact]
    public async Task A_full_queue_refuses_an_event_and_keeps_what_it_holds()
    {
        var queue = NewQueue();
        for (var i = 0; i < 16_384; i += 1_024)
        {
            await Task.WhenAll(Enumerable.Range(i, 1_024).Select(n => queue.Enqueue(Event(n % 200))));
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.Enqueue(Event(255)));

        var held = 0;
        for (var events = await queue.Dequeue(4_096); events.Count > 0; events = await queue.Dequeue(4_096)) held += events.Count;
        Assert.Equal(16_384, held);
    }

    /// <summary>A cache for a queue of its own, as the provider makes one for a pulling agent.</summary>
    private IQueueCache NewCache() => fixture.Silo.GetRequiredKeyedService<IQueueAdapterFactory>(QuoteStreams.Provider)
        .GetQueueAdapterCache().CreateQueueCache(QueueId.GetQueueId("test-" + Guid.NewGuid().ToString("N"), 0, 0));

    /// <summary>Events numbered from <paramref name="first"/>, in batches of the most the cache takes at once.</summary>
    private void AddEvents(IQueueCache cache, StreamId stream, int first, int count, DateTime enqueued)
    {
        foreach (var batch in Enumerable.Range(first, count).Chunk(cache.GetMaxAddCount()))
        {
            cache.AddToCache([.. batch.Select(n => CachedEvent(16, stream, n, enqueued))]);
        }
    }

    /// <summary>The sequence numbers a new cursor of the stream reads, from the given one on; null if the cache no longer
    /// holds that one.</summary>
    private static List<int>? ReadFrom(IQueueCache cache, StreamId stream, int first)
    {
        var start = cache.TryGetCacheCursor(stream, new EventSequenceTokenV2(first));
        if (start.Kind == QueueCacheCursorResultKind.CacheMiss) return null;

        Assert.Equal(QueueCacheCursorResultKind.Success, start.Kind);
        var read = new List<int>();
        for (var move = start.Cursor!.MoveNextWithResult(); move.Kind != QueueCacheCursorMoveResultKind.NoData; move = start.Cursor.MoveNextWithResult())
        {
            Assert.Equal(QueueCacheCursorMoveResultKind.Success, move.Kind);
            var batch = start.Cursor.GetCurrent(out var error);
            Assert.Null(error);
            read.Add((int)batch!.SequenceToken.SequenceNumber);
        }

        return read;
    }

    /// <summary>An event as the memory receiver hands it to the cache (Orleans keeps that container type internal).</summary>
    private IBatchContainer CachedEvent(int payloadBytes, StreamId? stream = null, long sequenceNumber = 0, DateTime? enqueued = null)
    {
        var container = typeof(MemoryAdapterFactory<DefaultMemoryMessageBodySerializer>).Assembly
            .GetType("Orleans.Providers.MemoryBatchContainer`1", throwOnError: true)!
            .MakeGenericType(typeof(DefaultMemoryMessageBodySerializer));
        var data = new MemoryMessageData
        {
            StreamId = stream ?? StreamId.Create("test", "cache"),
            SequenceNumber = sequenceNumber,
            Payload = new ArraySegment<byte>(new byte[payloadBytes]),
            EnqueueTimeUtc = enqueued ?? DateTime.UtcNow,
        };
        var serializer = ActivatorUtilities.CreateInstance<DefaultMemoryMessageBodySerializer>(fixture.Silo);
        return (IBatchContainer)Activator.CreateInstance(container, data, serializer)!;
    }

    private static MemoryMessageData Event(int marker) => new()
    {
        StreamId = StreamId.Create("test", "queue"),
        Payload = new ArraySegment<byte>([(byte)marker]),
    };
}
