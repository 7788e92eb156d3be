using Orleans.Providers;
using Orleans.Runtime;
using Orleans.TestingHost;
using QuoteCluster.Streams;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Streams;

/// <summary>
/// The memory streams' queues answer an empty read when an event arrives: the stream hop then costs no poll. Orleans'
/// own queue grain answers an empty read at once, and the pulling agent's next poll came a timer tick (4.3 ms here)
/// later.
/// </summary>
public sealed class WaitingStreamQueueGrainTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await QuoteClusterTestCluster.StartAsync(1, QuoteClusterTestCluster.Options(), store: null);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_read_of_an_empty_queue_waits_and_answers_with_the_event_that_arrives()
    {
        // The grain the memory streams reach by their queue's key, as they reach it.
        var queue = _cluster.Client.GetGrain<IMemoryStreamQueueGrain>(Guid.NewGuid());

        var read = queue.Dequeue(10);
        await Task.Delay(300);
        Assert.False(read.IsCompleted, "a read of an empty queue answered before any event arrived");

        await queue.Enqueue(Event(1));
        var events = await read.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1], events.Select(e => (int)e.Payload[0]));
    }

    [Fact]
    public async Task A_read_with_nothing_arriving_answers_empty_after_its_bound()
    {
        var queue = _cluster.Client.GetGrain<IMemoryStreamQueueGrain>(Guid.NewGuid());

        var events = await queue.Dequeue(10).WaitAsync(WaitingStreamQueueGrain.EmptyReadWaitsAtMost + TimeSpan.FromSeconds(10));

        Assert.Empty(events);
    }

    [Fact]
    public async Task Reads_take_at_most_the_count_asked_for_in_order_of_arrival_with_growing_sequence_numbers()
    {
        var queue = _cluster.Client.GetGrain<IMemoryStreamQueueGrain>(Guid.NewGuid());
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
        var queue = _cluster.Client.GetGrain<IMemoryStreamQueueGrain>(Guid.NewGuid());
        await Task.WhenAll(Enumerable.Range(0, 16_384).Select(i => queue.Enqueue(Event(i % 200))));

        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.Enqueue(Event(255)));

        var held = 0;
        for (var events = await queue.Dequeue(4_096); events.Count > 0; events = await queue.Dequeue(4_096)) held += events.Count;
        Assert.Equal(16_384, held);
    }

    private static MemoryMessageData Event(int marker) => new()
    {
        StreamId = StreamId.Create("test", "queue"),
        Payload = new ArraySegment<byte>([(byte)marker]),
    };
}
