using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using QuoteCluster.Observability;
using QuoteCluster.Quotes;

namespace QuoteCluster.Streams;

/// <summary>
/// A silo's one publisher of live updates: what its SymbolGrains publish to a live partition while that partition's
/// previous batch is on its way leaves as the next batch, one stream event for all of them.
/// </summary>
/// <remarks>
/// Natural batching: a partition with nothing in flight publishes at once, so an idle path waits for nothing, and a
/// loaded one makes fewer, fuller events. With a stream event per update, the events' queueing and delivery were over
/// half of a whole-market silo's work. A grain's publish completes when its batch is in the stream, and fails with it,
/// as its own event's did; a grain awaits it before its next update, so each symbol's updates keep their order.
/// </remarks>
public sealed class LiveQuotePublisher(IServiceProvider services)
{
    private readonly Lazy<Partition[]> _partitions = new(() =>
    {
        var provider = services.GetRequiredKeyedService<IStreamProvider>(QuoteStreams.Provider);
        return [.. Enumerable.Range(0, QuoteStreams.LivePartitions)
            .Select(p => new Partition(provider.GetStream<LiveQuoteBatch>(QuoteStreams.Live(p))))];
    });

    /// <summary>The live partition that carries <paramref name="symbol"/>'s updates: a grain finds it once, when it activates.</summary>
    public Partition PartitionOf(string symbol) => _partitions.Value[QuoteStreams.LivePartition(symbol)];

    /// <summary>The most updates one stream event carries.</summary>
    /// <remarks>
    /// The stream's cache keeps an event's bytes in one buffer of <see cref="WaitingMemoryAdapterFactory.CacheBufferBytes"/>,
    /// and an event larger than that is never delivered. An update is about a hundred bytes; a partition whose stream
    /// stalls (its queue moving after a silo died) gathers every update its symbols publish meanwhile.
    /// </remarks>
    public const int MaxBatchUpdates = 128;

    public sealed class Partition(IAsyncStream<LiveQuoteBatch> stream)
    {
        private readonly Lock _gate = new();

        // Batches waiting to leave, in order, each with what its publishers await; only the last one takes more.
        private readonly Queue<Batch> _waiting = new();
        private Batch? _last;
        private bool _publishing;

        /// <summary>Completes when the batch that carries <paramref name="update"/> is in its stream.</summary>
        public Task PublishAsync(QuoteUpdate update)
        {
            Task published;
            bool start;
            lock (_gate)
            {
                if (_last is null || _last.Updates.Count >= MaxBatchUpdates)
                {
                    _last = new Batch();
                    _waiting.Enqueue(_last);
                }

                var batch = _last;
                batch.Updates.Add(update);
                published = batch.Published.Task;
                start = !_publishing;
                _publishing = true;
            }

            if (start)
            {
                // On the thread pool, and without the first publisher's context: started from a grain's turn, the
                // loop's continuations would queue behind that grain's requests, and its request context would go
                // with every batch for as long as the partition stays busy.
                using (ExecutionContext.SuppressFlow())
                {
                    _ = Task.Run(PublishWaitingAsync);
                }
            }

            return published;
        }

        private async Task PublishWaitingAsync()
        {
            try
            {
                while (true)
                {
                    // To the back of the thread pool's queue: when the silo is busy, the grains whose turns are queued
                    // there add their updates to this batch before it leaves; when it is idle, this costs microseconds.
                    // Without it a whole market's batches carried 1.1 updates on average, with it six or more.
                    await Task.Yield();
                    Batch? batch;
                    lock (_gate)
                    {
                        if (!_waiting.TryDequeue(out batch))
                        {
                            _publishing = false;
                            return;
                        }

                        if (ReferenceEquals(batch, _last)) _last = null;
                    }

                    try
                    {
                        await stream.OnNextAsync(new LiveQuoteBatch([.. batch.Updates]));
                        batch.Published.SetResult();
                        QuoteClusterMetrics.LiveBatchesPublished.Add(1);
                        QuoteClusterMetrics.LiveUpdatesPublished.Add(batch.Updates.Count);
                    }
                    catch (Exception e)
                    {
                        batch.Published.SetException(e);
                    }
                }
            }
            catch
            {
                // Not expected; but a loop that ended without saying so would leave the partition's publishes waiting
                // for ever.
                lock (_gate) _publishing = false;
                throw;
            }
        }

        // Asynchronous continuations: the grains awaiting a batch resume in their own turns, not on this loop.
        private sealed class Batch
        {
            public List<QuoteUpdate> Updates { get; } = [];

            public TaskCompletionSource Published { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
