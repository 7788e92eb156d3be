using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using QuoteCluster.Configuration;
using QuoteCluster.Logging;
using QuoteCluster.Observability;
using QuoteCluster.Quotes;
using QuoteCluster.Streams;

namespace QuoteCluster.Symbols;

/// <summary>
/// Holds one symbol's latest quote, publishes each accepted update to its live partition's stream, and sends it on to
/// storage at most once per PER_SYMBOL_MIN_INTERVAL_MS, always on the trailing edge.
/// </summary>
/// <remarks>
/// Like Chirper's account grain it keeps one outstanding write and folds later changes into it. Its clock is the
/// injected TimeProvider, so the throttle is tested on fake time.
/// A sent write stays outstanding until its writer confirms it: the next one waits for that confirmation, so a writer
/// held back by the cluster-wide budget is not sent a write a second by every symbol it cannot yet write (with the
/// whole market, 11,000 a second against 20 writes a second). The writer reads the grain's latest quote when it finally
/// writes, so what reaches Firestore is no older for the wait. An unconfirmed write is sent again after
/// STORAGE_RESEND_AFTER_S, or at once when a silo dies (its writer may have gone with it).
/// The latest quote is also kept in the cluster's grain storage (Redis in CLUSTER_MODE=redis) each time a write goes to
/// the Firestore writer, so no more often than that throttle allows, and on deactivation: a grain that comes back after
/// its silo died answers with it at once. The quote held for a trailing write when the silo died comes back from the
/// ingest grain, which re-delivers every symbol's last quote when a silo dies.
/// Placed at random, so the tickers spread over the silos: the default (resource-optimized) placement, and even
/// activation-count placement, kept choosing the calling silo and put every symbol beside the ingest grain.
/// </remarks>
[Orleans.Placement.RandomPlacement]
public sealed class SymbolGrain(
    [PersistentState("symbol", StorageNames.Grains)] IPersistentState<SymbolState> state,
    QuoteClusterOptions options,
    LiveQuotePublisher live,
    [FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time,
    ILogger<SymbolGrain> logger) : Grain, ISymbolGrain
{
    private string _symbol = "";
    private IAsyncStream<QuoteUpdate> _writes = null!;
    private LiveQuotePublisher.Partition _live = null!;
    private WriteThrottle _throttle = null!;
    private ITimer? _trailingWrite;
    private QuoteUpdate? _latest;
    private long _quotesIn;
    private long _updates;
    private long _staleDropped;
    private long _writesSent;
    private long _storedVersion;
    private long _sentVersion;
    private long _publishedVersion;
    private DateTimeOffset _lastSentAt;
    private DateTimeOffset _trailingDueAt;
    private bool _persisted = true;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        _symbol = Symbol.Normalize(key);
        if (_symbol != key)
        {
            throw new InvalidSymbolException($"SymbolGrain keys are normalized symbols; use '{_symbol}', not '{key}'.");
        }

        var streams = this.GetStreamProvider(QuoteStreams.Provider);
        _writes = streams.GetStream<QuoteUpdate>(QuoteStreams.Writes(QuoteStreams.WriterPartition(_symbol, options.WriterPartitions)));
        _live = live.PartitionOf(_symbol);
        _throttle = new WriteThrottle(options.PerSymbolMinInterval);
        _latest = state.State.Latest;
        _storedVersion = state.State.StoredVersion;
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _trailingWrite?.Dispose();
        _trailingWrite = null;

        // Best effort: the write would otherwise wait for the next quote of this symbol.
        const ConfigureAwaitOptions bestEffort = ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext;
        if (_throttle.Pending)
        {
            await ((Task)SendWriteAsync()).WaitAsync(cancellationToken).ConfigureAwait(bestEffort);
        }

        if (!_persisted)
        {
            await PersistLatestAsync().WaitAsync(cancellationToken).ConfigureAwait(bestEffort);
        }
    }

    public async Task ApplyAsync(Quote quote, int quotesInBatch)
    {
        _quotesIn += quotesInBatch;
        if (quote.Symbol != _symbol)
        {
            throw new ArgumentException($"Quote for '{quote.Symbol}' sent to the grain of '{_symbol}'.", nameof(quote));
        }

        if (_latest is { } held)
        {
            if (!QuoteOrdering.Supersedes(quote.ExchangeTime, held.Quote.ExchangeTime, held.Quote.ReceivedAt))
            {
                _staleDropped += quotesInBatch;
                return;
            }

            quote = quote.WithCarriedLastPrice(held.Quote.LastPrice);
            if (IsRedelivery(quote, held.Quote))
            {
                // The pump delivers a quote again when its call failed, and the call fails when the publish did: the
                // grain then holds a version the live streams never carried, nor storage was sent.
                // So does a grain that came back from storage after its silo died: whether its predecessor published
                // this version is not known, and gateways drop what they already hold.
                if (held.Version > _publishedVersion)
                {
                    await PublishLatestAsync();

                    // Unless it was sent (a trailing write, or this grain's predecessor) or stored meanwhile.
                    if (held.Version > Math.Max(_sentVersion, _storedVersion)) await ScheduleWriteAsync();
                }

                return;
            }
        }

        var version = Math.Max((_latest?.Version ?? 0) + 1, quote.ReceivedAt.UtcTicks);
        _latest = new QuoteUpdate(quote, version);
        _updates++;
        if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.Quote(logger, _symbol, quote.Bid, quote.Ask, quote.Price, quotesInBatch);
        }

        await PublishLatestAsync();
        await ScheduleWriteAsync();
    }

    public Task<QuoteUpdate?> GetLatestAsync() => Task.FromResult(_latest);

    public Task ConfirmStoredAsync(long version)
    {
        _storedVersion = Math.Max(_storedVersion, version);
        if (!_throttle.Pending || _trailingWrite is not null) return Task.CompletedTask;
        if (_latest is null || _latest.Version <= _storedVersion)
        {
            // The writer read this grain when it wrote, and wrote what is pending here.
            _throttle.OnWritten(time.GetUtcNow());
            return Task.CompletedTask;
        }

        // A resend went out after the write confirmed here: its own confirmation sends the next.
        if (AwaitingConfirmation(time.GetUtcNow())) return Task.CompletedTask;

        // Sent from a turn of its own: the writer is still awaiting this call.
        ArmTrailingWrite(_throttle.DueIn(time.GetUtcNow()));
        return Task.CompletedTask;
    }

    public async Task EnsureStoredAsync()
    {
        if (_latest is null || _storedVersion >= _latest.Version) return;
        var now = time.GetUtcNow();

        // A trailing write still pending an interval after it was due: its timer's flush failed (the call was lost with
        // a silo, or the send threw), and nothing else would ever retry it.
        if (_trailingWrite is not null && now < _trailingDueAt + options.PerSymbolMinInterval) return;
        if (_trailingWrite is null && AwaitingConfirmation(now)) return;
        Log.StorageResend(logger, _symbol, _latest.Version);
        await SendWriteAsync();
    }

    public async Task ResendUnconfirmedAsync()
    {
        // Not only what this activation sent: one that came back after the silo died does not know what its
        // predecessor sent, only what was confirmed. A trailing write's timer sends it anyway.
        if (_latest is null || _latest.Version <= _storedVersion || _trailingWrite is not null) return;
        Log.StorageResend(logger, _symbol, _latest.Version);
        await SendWriteAsync();
    }

    public async Task FlushPendingWriteAsync()
    {
        if (!_throttle.Pending)
        {
            // A timer armed to retry a failed resend, with nothing pending since: left set, it would stop the next
            // change from arming one.
            _trailingWrite?.Dispose();
            _trailingWrite = null;
            return;
        }

        if (!await SendWriteAsync())
        {
            throw new InvalidOperationException($"{_symbol}'s pending write could not be sent to its storage writer; it stays pending.");
        }
    }

    public Task<SymbolWriteStats> GetWriteStatsAsync() =>
        Task.FromResult(new SymbolWriteStats(_quotesIn, _updates, _staleDropped, _writesSent, _storedVersion, _throttle.Pending,
            AwaitingConfirmation(time.GetUtcNow())));

    /// <summary>
    /// The same quote again: the ingest grain re-delivers every symbol's last quote when a silo dies, and primes symbols
    /// from the feed's snapshot, so a grain that already holds it must not make a new version of it.
    /// </summary>
    private static bool IsRedelivery(Quote quote, Quote held) =>
        quote.ExchangeTime == held.ExchangeTime && quote.Bid == held.Bid && quote.Ask == held.Ask
        && quote.BidSize == held.BidSize && quote.AskSize == held.AskSize && quote.LastPrice == held.LastPrice;

    /// <summary>The writer still holds this grain's last send: its confirmation sends the next.</summary>
    private bool AwaitingConfirmation(DateTimeOffset now) =>
        _sentVersion > _storedVersion && now - _lastSentAt < options.StorageResendAfter;

    /// <summary>Publishes the latest quote to the live streams; a failure leaves it unpublished, for the pump's retry.</summary>
    private async Task PublishLatestAsync()
    {
        var publishing = _latest!;
        await _live.PublishAsync(publishing);
        _publishedVersion = publishing.Version;
    }

    private async Task ScheduleWriteAsync()
    {
        var now = time.GetUtcNow();
        var due = _throttle.OnChange(now);
        if (_trailingWrite is null && AwaitingConfirmation(now)) return;
        if (due == TimeSpan.Zero)
        {
            await SendWriteAsync();
        }
        else if (_trailingWrite is null)
        {
            ArmTrailingWrite(due);
        }
    }

    private void ArmTrailingWrite(TimeSpan due)
    {
        // The timer fires on the thread pool; calling back through the grain reference puts the write into a grain
        // turn of its own.
        var self = this.AsReference<ISymbolGrain>();
        _trailingDueAt = time.GetUtcNow() + due;
        _trailingWrite = time.CreateTimer(_ => _ = self.FlushPendingWriteAsync(), null, due, Timeout.InfiniteTimeSpan);
    }

    /// <returns>False when the send failed; the write then stays pending and a trailing write is armed to retry it.</returns>
    private async Task<bool> SendWriteAsync()
    {
        _trailingWrite?.Dispose();
        _trailingWrite = null;
        if (_latest is null) return true;
        var sending = _latest;
        try
        {
            await _writes.OnNextAsync(sending);
        }
        catch (Exception e)
        {
            Log.StorageEnqueueFailed(logger, e, _symbol, sending.Version);
            ArmTrailingWrite(options.PerSymbolMinInterval);
            return false;
        }

        _throttle.OnWritten(time.GetUtcNow());
        _lastSentAt = time.GetUtcNow();
        _sentVersion = sending.Version;
        _writesSent++;
        _persisted = false;
        await PersistLatestAsync();
        return true;
    }

    /// <summary>Keeps the latest quote in grain storage; a failure leaves it for the next write or the deactivation.</summary>
    private async Task PersistLatestAsync()
    {
        if (_latest is null) return;
        state.State.Latest = _latest;
        state.State.StoredVersion = _storedVersion;
        try
        {
            await state.WriteStateAsync();
            _persisted = true;
        }
        catch (Exception e)
        {
            Log.LatestPersistFailed(logger, e, _symbol);
            if (e is Orleans.Storage.InconsistentStateException)
            {
                // Another activation wrote since this one read (it ran on a silo now gone): take its etag, keep ours.
                await state.ReadStateAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            }
        }
    }
}
