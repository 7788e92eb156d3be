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

    /// <summary>Completes when the batch that carries <paramref name="update"/> is in its stream.</summary>
    public Task PublishAsync(QuoteUpdate update) =>
        _partitions.Value[QuoteStreams.LivePartition(update.Quote.Symbol)].PublishAsync(update);

    private sealed class Partition(IAsyncStream<LiveQuoteBatch> stream)
    {
        private readonly Lock _gate = new();
        private List<QuoteUpdate> _waiting = [];
        private TaskCompletionSource _waitingPublished = NewCompletion();
        private bool _publishing;

        public Task PublishAsync(QuoteUpdate update)
        {
            Task published;
            bool start;
            lock (_gate)
            {
                _waiting.Add(update);
                published = _waitingPublished.Task;
                start = !_publishing;
                _publishing = true;
            }

            // On the thread pool: started from a grain's turn, the loop's continuations would queue behind that grain's
            // requests for as long as the partition stays busy.
            if (start) _ = Task.Run(PublishWaitingAsync);
            return published;
        }

        private async Task PublishWaitingAsync()
        {
            while (true)
            {
                // To the back of the thread pool's queue: when the silo is busy, the grains whose turns are queued there
                // add their updates to this batch before it leaves; when it is idle, this costs microseconds. Without
                // it a whole market's batches carried 1.1 updates on average, with it about six.
                await Task.Yield();
                List<QuoteUpdate> batch;
                TaskCompletionSource published;
                lock (_gate)
                {
                    if (_waiting.Count == 0)
                    {
                        _publishing = false;
                        return;
                    }

                    (batch, published) = (_waiting, _waitingPublished);
                    (_waiting, _waitingPublished) = ([], NewCompletion());
                }

                try
                {
                    await stream.OnNextAsync(new LiveQuoteBatch([.. batch]));
                    published.SetResult();
                    QuoteClusterMetrics.LiveBatchesPublished.Add(1);
                    QuoteClusterMetrics.LiveUpdatesPublished.Add(batch.Count);
                }
                catch (Exception e)
                {
                    published.SetException(e);
                }
            }
        }

        // Asynchronous continuations: the grains awaiting a batch resume in their own turns, not on this loop.
        private static TaskCompletionSource NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
