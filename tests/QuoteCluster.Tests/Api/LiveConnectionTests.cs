using QuoteCluster.Api.Live;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Api;

/// <summary>A streaming client's conflating buffer, taken from as a loaded gateway takes: hundreds of times a second.</summary>
public class LiveConnectionTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    [Fact]
    public async Task Taking_pending_updates_allocates_next_to_nothing_once_warm()
    {
        using var connection = new LiveConnection();
        const int takes = 1_000;
        var updates = Enumerable.Range(0, takes * 20).Select(i => Update($"S{i % 20}", i + 1)).ToArray();

        // Warm: the dictionaries and the taken list grow to twenty symbols once.
        for (var i = 0; i < 20; i++) connection.OnQuote(updates[i]);
        Assert.Equal(20, (await connection.TakeAsync(Timeout.InfiniteTimeSpan, CancellationToken.None)).Count);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var taken = 0;
        for (var round = 1; round < takes; round++)
        {
            for (var i = 0; i < 20; i++) connection.OnQuote(updates[round * 20 + i]);
            var take = connection.TakeAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
            Assert.True(take.IsCompletedSuccessfully, "pending updates are taken without waiting");
            taken += (await take).Count;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((takes - 1) * 20, taken);

        // A sorted copy, a task and a LINQ pipeline made about a kilobyte per take. What is left is the take's own
        // state machine, which only a Debug build allocates (there it is a class): 82 bytes.
        Assert.True(allocated < takes * 128L, $"{allocated:N0} bytes allocated over {takes - 1:N0} takes");
    }

    [Fact]
    public async Task A_take_that_waits_for_its_update_allocates_next_to_nothing_once_warm()
    {
        // As the SSE route takes: a cancellable stop, a keep-alive period, and no synchronization context (the test
        // runner's would add its own allocations to every await).
        using var connection = new LiveConnection();
        using var stop = new CancellationTokenSource();
        var keepAlive = TimeSpan.FromMinutes(1);
        const int takes = 200;
        var updates = Enumerable.Range(1, takes + 10).Select(i => Update("AAPL", i)).ToArray();
        var allocated = await Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                var warming = connection.TakeAsync(keepAlive, stop.Token);
                connection.OnQuote(updates[i]);
                await warming;
            }

            long sum = 0;
            for (var i = 10; i < takes + 10; i++)
            {
                // Measured on this thread from the take's start to the update that wakes it: the wait is set up here.
                var before = GC.GetAllocatedBytesForCurrentThread();
                var take = connection.TakeAsync(keepAlive, stop.Token);
                Assert.False(take.IsCompleted, "the take waits: nothing is pending");
                connection.OnQuote(updates[i]);
                sum += GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.Equal(i + 1, Assert.Single(await take).Version);
            }

            return sum;
        });

        // A wait with a timeout and a token made a timer, a linked promise and a continuation each time: 648 bytes a
        // take. What is left is the semaphore's task per wait and, in a Debug build only, the take's state machine:
        // 168 bytes.
        Assert.True(allocated < takes * 256L, $"{allocated:N0} bytes allocated over {takes:N0} waiting takes");
    }

    [Fact]
    public async Task Updates_come_out_oldest_version_first_and_the_list_is_reused_by_the_next_take()
    {
        using var connection = new LiveConnection();
        connection.OnQuote(Update("MSFT", 3));
        connection.OnQuote(Update("AAPL", 1));
        connection.OnQuote(Update("NVDA", 2));

        var first = await connection.TakeAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.Equal([1L, 2L, 3L], first.Select(u => u.Version));

        connection.OnQuote(Update("AAPL", 4));
        var second = await connection.TakeAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.Equal([4L], second.Select(u => u.Version));
        Assert.Same(first, second);
    }

    [Fact]
    public async Task Disposing_ends_a_waiting_take()
    {
        var connection = new LiveConnection();
        var waiting = connection.TakeAsync(TimeSpan.FromMinutes(1), CancellationToken.None).AsTask();
        connection.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_take_waits_for_the_next_update_and_a_wake_up_left_over_does_not_end_it_empty()
    {
        using var connection = new LiveConnection();

        // The update is taken while its wake-up is still pending: the next take finds that wake-up and nothing else.
        connection.OnQuote(Update("AAPL", 1));
        Assert.Single(await connection.TakeAsync(TimeSpan.FromMinutes(1), CancellationToken.None));

        var next = connection.TakeAsync(TimeSpan.FromMinutes(1), CancellationToken.None).AsTask();
        await Task.Delay(200);
        Assert.False(next.IsCompleted, "a take ended with nothing to send and no keep-alive due");

        connection.OnQuote(Update("AAPL", 2));
        var taken = await next.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, Assert.Single(taken).Version);
    }

    [Fact]
    public async Task An_idle_connection_gets_an_empty_take_each_keep_alive_period()
    {
        using var connection = new LiveConnection();
        var keepAlive = TimeSpan.FromMilliseconds(100);
        for (var i = 0; i < 3; i++)
        {
            var take = connection.TakeAsync(keepAlive, CancellationToken.None).AsTask();
            Assert.Empty(await take.WaitAsync(TimeSpan.FromSeconds(5)));
        }

        connection.OnQuote(Update("AAPL", 1));
        Assert.Single(await connection.TakeAsync(keepAlive, CancellationToken.None));
    }

    [Fact]
    public async Task A_stop_ends_a_waiting_take_and_every_take_after_it()
    {
        using var connection = new LiveConnection();
        using var stop = new CancellationTokenSource();
        connection.OnQuote(Update("AAPL", 1));
        Assert.Single(await connection.TakeAsync(Timeout.InfiniteTimeSpan, stop.Token));

        var waiting = connection.TakeAsync(Timeout.InfiniteTimeSpan, stop.Token).AsTask();
        await Task.Delay(50);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));

        connection.OnQuote(Update("AAPL", 2));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.TakeAsync(Timeout.InfiniteTimeSpan, stop.Token).AsTask());
    }

    private static QuoteUpdate Update(string symbol, long version) =>
        new(new Quote(symbol, version, version + 1, 1, 1, null, T0, T0, "test"), version);
}
