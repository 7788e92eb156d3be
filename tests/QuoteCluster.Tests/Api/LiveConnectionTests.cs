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
        var updates = Enumerable.Range(0, takes * 20)
            .Select(i => new QuoteUpdate(new Quote($"S{i % 20}", i, i + 1, 1, 1, null, T0, T0, "test"), i + 1))
            .ToArray();

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
