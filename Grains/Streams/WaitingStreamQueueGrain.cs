using System.Diagnostics;
using Orleans.Concurrency;
using Orleans.Providers;

namespace QuoteCluster.Streams;

/// <summary>
/// The memory stream provider's queue, answering an empty read when an event arrives instead of at once: the pulling
/// agent then receives each event as it is enqueued, where otherwise it found it on its next poll.
/// </summary>
/// <remarks>
/// The agent polls on a grain timer, and .NET's timers tick on the OS's coarse clock (4 ms on our 2-core machines), so
/// a 2 ms poll period was 4.3 ms between reads and the stream hop cost about 4 ms of every quote's latency, with the
/// whole path before it under 0.2 ms. It replaces Orleans' own queue grain (see <c>SiloHosting</c>) under its grain type,
/// so that during a rolling update old and new silos share one type for the same queues, and keeps its contract:
/// sequence numbers start at the activation's clock and grow by one, at most 16,384 events wait, and a read takes at
/// most the count asked for. Reentrant, so events are enqueued while a read waits; turns still never overlap.
/// </remarks>
[Reentrant]
[GrainType("memorystreamqueue")]
public sealed class WaitingStreamQueueGrain : Grain, IMemoryStreamQueueGrain, IGrainMigrationParticipant
{
    /// <summary>How long an empty read waits for an event; then the agent gets an empty answer and polls again.</summary>
    /// <remarks>
    /// Short, because a read whose caller died with its silo is not cancelled: the first events to arrive would go to
    /// the dead silo, where Orleans' queue would have kept them for the agent that takes the queue over. Long enough
    /// that the poll after it (a timer tick, 4.3 ms) is under 2 % of a quiet queue's time.
    /// </remarks>
    public static TimeSpan EmptyReadWaitsAtMost { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The least time between two answers that could wait for more events: under load, reads come back to back and
    /// each would carry a few events, and those reads cost the silo more than the waits they save. Waited on a timer,
    /// so it is really a tick (4.3 ms), as Orleans' own polling was; a queue that is not that busy answers at once.
    /// </summary>
    public static TimeSpan BusyReadsSpacedBy { get; } = TimeSpan.FromMilliseconds(1);

    private const int MaxEventCount = 16_384;

    private Queue<MemoryMessageData> _events = new();
    private long _sequenceNumber = DateTime.UtcNow.Ticks;
    private TaskCompletionSource? _arrived;
    private long _lastAnswered;

    public Task Enqueue(MemoryMessageData data) => Enqueue(data, CancellationToken.None);

    public Task Enqueue(MemoryMessageData data, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_events.Count >= MaxEventCount)
        {
            throw new InvalidOperationException($"Can not enqueue since the count has reached its maximum of {MaxEventCount}");
        }

        data.SequenceNumber = _sequenceNumber++;
        _events.Enqueue(data);
        _arrived?.TrySetResult();
        _arrived = null;
        return Task.CompletedTask;
    }

    public Task<List<MemoryMessageData>> Dequeue(int maxCount) => Dequeue(maxCount, CancellationToken.None);

    public async Task<List<MemoryMessageData>> Dequeue(int maxCount, CancellationToken cancellationToken)
    {
        if (_events.Count == 0)
        {
            _arrived ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await _arrived.Task.WaitAsync(EmptyReadWaitsAtMost, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        var sinceLastAnswer = Stopwatch.GetElapsedTime(_lastAnswered);
        if (_events.Count > 0 && _events.Count < maxCount && sinceLastAnswer < BusyReadsSpacedBy)
        {
            await Task.Delay(BusyReadsSpacedBy - sinceLastAnswer, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        // A cancelled read's caller has stopped listening (its agent is stopping): events handed to it would be lost,
        // so they stay for the next reader. Events that arrive before the cancellation does still go to the read, and
        // are lost with it, as the batch a stopping agent has in flight always is.
        if (cancellationToken.IsCancellationRequested) return [];

        var taken = new List<MemoryMessageData>(Math.Min(_events.Count, Math.Max(0, maxCount)));
        while (taken.Count < maxCount && _events.TryDequeue(out var data))
        {
            taken.Add(data);
        }

        if (taken.Count > 0) _lastAnswered = Stopwatch.GetTimestamp();
        return taken;
    }

    // A migrated queue keeps its events, as Orleans' own does, and its sequence, which the new silo's clock could put
    // behind what was already handed out.
    void IGrainMigrationParticipant.OnDehydrate(IDehydrationContext dehydrationContext)
    {
        dehydrationContext.TryAddValue("queue", _events);
        dehydrationContext.TryAddValue("sequence", _sequenceNumber);
    }

    void IGrainMigrationParticipant.OnRehydrate(IRehydrationContext rehydrationContext)
    {
        if (rehydrationContext.TryGetValue("queue", out Queue<MemoryMessageData>? events) && events is not null) _events = events;
        if (rehydrationContext.TryGetValue("sequence", out long sequence)) _sequenceNumber = Math.Max(_sequenceNumber, sequence);
    }
}
