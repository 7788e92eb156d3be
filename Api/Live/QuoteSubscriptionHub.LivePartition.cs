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
    /// Its symbols heal it, and several of them find it silent or broken in the same pass: each says which attempt it
    /// last saw (<see cref="Attempts"/>), and only one that saw the latest makes another, so a pass makes one attempt
    /// per partition, however many of its symbols ask, and a subscribe that hangs on a moving pub-sub grain holds up
    /// one symbol's check, not hundreds in turn.
    /// </remarks>
    private sealed class LivePartition(int partition, QuoteSubscriptionHub hub)
    {
        private readonly SemaphoreSlim _subscribing = new(1, 1);
        private StreamSubscriptionHandle<LiveQuoteBatch>? _handle;
        private long _attempts;
        private long _current;
        private volatile bool _broken;

        /// <summary>The subscription reported an error, or could not be made: the next healing pass tries again.</summary>
        public bool Broken => _broken;

        /// <summary>Subscription attempts begun, failed or not.</summary>
        public long Attempts => Interlocked.Read(ref _attempts);

        public async Task EnsureSubscribedAsync(CancellationToken cancellationToken)
        {
            if (_handle is not null) return;
            var seen = Attempts;
            await _subscribing.WaitAsync(cancellationToken);
            try
            {
                // Concurrent first symbols all get here; only the first subscribes. One that failed meanwhile is left to
                // the healing pass, which reads this symbol's grain first.
                if (_handle is not null || Attempts != seen) return;
                await SubscribeLockedAsync();
            }
            finally
            {
                _subscribing.Release();
            }
        }

        /// <summary>Makes a new subscription in place of the current one, unless an attempt began since <paramref name="attemptsSeen"/>.</summary>
        /// <returns>Whether this call made one.</returns>
        /// <remarks>
        /// The new subscription is made before the old one goes, so the partition's other symbols, which may be
        /// delivering, lose nothing in between (what both bring twice, the symbols drop as not newer), and the old one
        /// stays if the new one cannot be made.
        /// </remarks>
        public async Task<bool> ResubscribeAsync(long attemptsSeen, CancellationToken cancellationToken)
        {
            await _subscribing.WaitAsync(cancellationToken);
            try
            {
                return Attempts == attemptsSeen && await SubscribeLockedAsync();
            }
            finally
            {
                _subscribing.Release();
            }
        }

        public Task UnsubscribeAsync() => UnsubscribeAsync(Interlocked.Exchange(ref _handle, null));

        private static async Task UnsubscribeAsync(StreamSubscriptionHandle<LiveQuoteBatch>? handle)
        {
            if (handle is not null)
            {
                await handle.UnsubscribeAsync().WaitAsync(CallTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        private async Task<bool> SubscribeLockedAsync()
        {
            var attempt = Interlocked.Increment(ref _attempts);
            StreamSubscriptionHandle<LiveQuoteBatch> made;
            try
            {
                var stream = hub._client.GetStreamProvider(QuoteStreams.Provider).GetStream<LiveQuoteBatch>(QuoteStreams.Live(partition));
                Interlocked.Increment(ref hub._streamSubscribes);
                var subscribing = stream.SubscribeAsync(
                    (batch, _) =>
                    {
                        Deliver(batch);
                        return Task.CompletedTask;
                    },
                    error =>
                    {
                        // Only the current subscription's: a late error of one already replaced says nothing of it.
                        if (Interlocked.Read(ref _current) == attempt) _broken = true;
                        Log.LiveSubscriptionFailed(hub._logger, error, Name);
                        return Task.CompletedTask;
                    });
                try
                {
                    made = await subscribing.WaitAsync(SubscribeTimeout);
                }
                catch (TimeoutException)
                {
                    // Given up on, it may still complete (its pub-sub grain was moving): then it is not ours to keep.
                    _ = subscribing.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.UnsubscribeAsync() : Task.CompletedTask, TaskScheduler.Default).Unwrap();
                    throw;
                }
            }
            catch (Exception e)
            {
                // A subscription still in place may still deliver: the next silence found re-makes it. Without one
                // the partition delivers nothing, and every pass tries again.
                if (_handle is null) _broken = true;
                Log.LiveSubscriptionFailed(hub._logger, e, Name);
                return false;
            }

            Interlocked.Exchange(ref _current, attempt);
            _broken = false;
            await UnsubscribeAsync(Interlocked.Exchange(ref _handle, made));
            return true;
        }

        private void Deliver(LiveQuoteBatch batch)
        {
            foreach (var update in batch.Updates)
            {
                if (!hub._symbols.TryGetValue(update.Quote.Symbol, out var symbol)) continue;
                try
                {
                    symbol.DeliverFromStream(update);
                }
                catch (Exception e)
                {
                    // One symbol's failing listener must not cost the partition's other symbols this batch.
                    Log.LiveSubscriptionFailed(hub._logger, e, update.Quote.Symbol);
                }
            }
        }

        private string Name => $"(live partition {partition})";
    }
}
