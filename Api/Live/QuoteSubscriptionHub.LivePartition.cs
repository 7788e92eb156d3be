using Orleans.Streams;
using QuoteCluster.Logging;
using QuoteCluster.Quotes;
using QuoteCluster.Streams;

namespace QuoteCluster.Api.Live;

public sealed partial class QuoteSubscriptionHub
{
    /// <summary>
    /// The hub's one subscription to a live partition's stream, shared by the symbols the partition carries; each batch
    /// is handed out to their <see cref="SymbolSubscription"/>s, and updates of symbols the hub does not serve are dropped.
    /// </summary>
    /// <remarks>
    /// A partition stays subscribed once a symbol has needed it, at most <see cref="QuoteStreams.LivePartitions"/> of
    /// them: unsubscribing when its last symbol retires would race a symbol joining it.
    /// </remarks>
    private sealed class LivePartition(int partition, QuoteSubscriptionHub hub)
    {
        private readonly SemaphoreSlim _subscribing = new(1, 1);
        private StreamSubscriptionHandle<LiveQuoteBatch>? _handle;
        private volatile bool _broken;
        private long _subscriptions;

        /// <summary>The subscription reported an error, or could not be made: the next healing pass re-makes it.</summary>
        public bool Broken => _broken;

        /// <summary>Counts the subscriptions made, so a symbol can tell whether the one it found silent was re-made since.</summary>
        public long Subscriptions => Interlocked.Read(ref _subscriptions);

        public async Task EnsureSubscribedAsync(CancellationToken cancellationToken)
        {
            if (_handle is not null && !_broken) return;
            await _subscribing.WaitAsync(cancellationToken);
            try
            {
                // Concurrent first symbols all get here; only the first subscribes.
                if (_handle is not null && !_broken) return;
                await SubscribeLockedAsync();
            }
            finally
            {
                _subscribing.Release();
            }
        }

        /// <summary>Re-makes the subscription, unless it was re-made after <paramref name="subscriptionsSeen"/> and works.</summary>
        /// <remarks>
        /// Several of a partition's symbols are found silent in one pass when it goes silent: it is re-made once. The new
        /// subscription is made before the old one goes, so the partition's other symbols, which may be delivering, lose
        /// nothing in between; what both bring twice, the symbols drop as not newer.
        /// </remarks>
        public async Task ResubscribeAsync(long subscriptionsSeen, CancellationToken cancellationToken)
        {
            await _subscribing.WaitAsync(cancellationToken);
            try
            {
                if (!_broken && Subscriptions != subscriptionsSeen) return;
                var old = Interlocked.Exchange(ref _handle, null);
                await SubscribeLockedAsync();
                if (old is not null)
                {
                    await old.UnsubscribeAsync().WaitAsync(CallTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
            finally
            {
                _subscribing.Release();
            }
        }

        public async Task UnsubscribeAsync()
        {
            var handle = Interlocked.Exchange(ref _handle, null);
            if (handle is not null)
            {
                await handle.UnsubscribeAsync().WaitAsync(CallTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        private async Task SubscribeLockedAsync()
        {
            try
            {
                var stream = hub._client.GetStreamProvider(QuoteStreams.Provider).GetStream<LiveQuoteBatch>(QuoteStreams.Live(partition));
                Interlocked.Increment(ref hub._streamSubscribes);
                var subscribing = stream.SubscribeAsync(
                    (batch, _) =>
                    {
                        foreach (var update in batch.Updates)
                        {
                            if (hub._symbols.TryGetValue(update.Quote.Symbol, out var symbol)) symbol.DeliverFromStream(update);
                        }

                        return Task.CompletedTask;
                    },
                    error =>
                    {
                        _broken = true;
                        Log.LiveSubscriptionFailed(hub._logger, error, Name);
                        return Task.CompletedTask;
                    });
                try
                {
                    _handle = await subscribing.WaitAsync(SubscribeTimeout);
                }
                catch (TimeoutException)
                {
                    // Given up on, it may still complete (its pub-sub grain was moving): then it is not ours to keep.
                    _ = subscribing.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.UnsubscribeAsync() : Task.CompletedTask, TaskScheduler.Default).Unwrap();
                    throw;
                }

                _broken = false;
                Interlocked.Increment(ref _subscriptions);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _broken = true;
                Log.LiveSubscriptionFailed(hub._logger, e, Name);
            }
        }

        private string Name => $"(live partition {partition})";
    }
}
