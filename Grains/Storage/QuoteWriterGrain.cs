using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;
using QuoteCluster.Configuration;
using QuoteCluster.Logging;
using QuoteCluster.Observability;
using QuoteCluster.Quotes;
using QuoteCluster.Storage.Firestore;
using QuoteCluster.Streams;
using QuoteCluster.Symbols;

namespace QuoteCluster.Storage;

/// <summary>
/// One partition of the storage writer. It keeps only the latest pending quote per symbol, and every flush writes
/// the oldest-waiting ones that the per-document interval and the cluster-wide budget allow.
/// </summary>
/// <remarks>
/// A SymbolGrain sends its next write only once this writer confirms the last, so a quote that waited here for the
/// budget longer than a symbol's interval is likely behind its grain: the grain is read for its latest as it is written.
/// </remarks>
[ImplicitStreamSubscription(QuoteStreams.WritesNamespace)]
public sealed class QuoteWriterGrain(
    IQuoteStore store,
    QuoteClusterOptions options,
    [FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time,
    ILogger<QuoteWriterGrain> logger) : Grain, IQuoteWriterGrain, IStreamSubscriptionObserver, IAsyncObserver<QuoteUpdate>
{
    /// <summary>The most quotes one flush hands the store: as many as one Firestore commit takes.</summary>
    public const int MaxBatch = FirestoreClient.MaxWritesPerCommit;

    /// <summary>How long a write waits for its grain's latest quote before it writes the one held.</summary>
    private static readonly TimeSpan RefreshTimeout = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, PendingWrite> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LastWrite> _lastWrite = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_ => WriteDueAsync(), new GrainTimerCreationOptions(options.FlushInterval, options.FlushInterval));
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_pending.Count > 0)
        {
            try
            {
                await FlushAsync(TimeSpan.FromSeconds(2)).WaitAsync(cancellationToken);
            }
            catch (Exception e)
            {
                Log.StorageWriteFailed(logger, e, _pending.Count);
            }
        }
    }

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Create<QuoteUpdate>().ResumeAsync(this);

    public Task OnNextAsync(QuoteUpdate item, StreamSequenceToken? token = null)
    {
        var symbol = item.Quote.Symbol;

        // A send can arrive after a newer version of its symbol was written (read from the grain, or sent again after a
        // silo died while this one was still in the stream); written now, it would put the older quote back. It is
        // confirmed again instead: it may be a re-send of a write whose confirmation was lost, which the grain awaits.
        if (_lastWrite.TryGetValue(symbol, out var written) && item.Version <= written.Version)
        {
            GrainFactory.GetGrain<ISymbolGrain>(symbol).ConfirmStoredAsync(written.Version).Ignore();
            return Task.CompletedTask;
        }

        if (_pending.TryGetValue(symbol, out var held))
        {
            if (held.Update.Version < item.Version) _pending[symbol] = held with { Update = item, HeldSince = time.GetUtcNow() };
        }
        else
        {
            _pending[symbol] = new PendingWrite(item, time.GetUtcNow(), time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    public async Task<int> FlushAsync(TimeSpan deadline)
    {
        var until = time.GetUtcNow() + deadline;
        var written = 0;
        while (_pending.Count > 0 && time.GetUtcNow() < until)
        {
            var batch = await WriteDueAsync();
            written += batch;
            if (batch == 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), time);
            }
        }

        return written;
    }

    public Task<int> GetPendingCountAsync() => Task.FromResult(_pending.Count);

    private async Task<int> WriteDueAsync()
    {
        if (_pending.Count == 0) return 0;
        var now = time.GetUtcNow();
        var due = _pending.Values
            .Where(p => !_lastWrite.TryGetValue(p.Update.Quote.Symbol, out var last) || now - last.At >= options.PerSymbolMinInterval)
            .OrderBy(p => p.Since)
            .Take(MaxBatch)
            .ToList();
        if (due.Count == 0) return 0;

        var granted = await GrainFactory.GetGrain<IWriteBudgetGrain>(IWriteBudgetGrain.SingletonKey).AcquireAsync(due.Count);
        if (granted < due.Count) QuoteClusterMetrics.WriteBudgetWaits.Add(due.Count - granted);
        if (granted == 0) return 0;
        var batch = await LatestOfAsync(due.Take(granted), now);
        try
        {
            await store.WriteQuotesAsync([.. batch.Select(u => u.Quote)], CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.StorageWriteFailed(logger, e, batch.Count);
            QuoteClusterMetrics.FirestoreWrites.Add(batch.Count, new KeyValuePair<string, object?>("outcome", "failure"));
            return 0;
        }

        QuoteClusterMetrics.FirestoreWrites.Add(batch.Count, new KeyValuePair<string, object?>("outcome", "success"));

        var writtenAt = time.GetUtcNow();
        foreach (var update in batch)
        {
            var symbol = update.Quote.Symbol;
            _lastWrite[symbol] = new LastWrite(writtenAt, update.Version);
            if (_pending.TryGetValue(symbol, out var held) && held.Update.Version <= update.Version)
            {
                _pending.Remove(symbol);
            }
        }

        // Confirmations let a SymbolGrain know its latest value is durable; a lost one only costs a re-send later.
        await Task.WhenAll(batch.Select(u => GrainFactory.GetGrain<ISymbolGrain>(u.Quote.Symbol).ConfirmStoredAsync(u.Version)))
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        return batch.Count;
    }

    /// <summary>The pending quotes to write, each replaced by its grain's newer one if it was held here past its interval.</summary>
    private async Task<List<QuoteUpdate>> LatestOfAsync(IEnumerable<PendingWrite> writes, DateTimeOffset now) =>
        [.. await Task.WhenAll(writes.Select(async p =>
        {
            if (now - p.HeldSince < options.PerSymbolMinInterval) return p.Update;
            try
            {
                // Bounded: the budget for this write is taken, and a grain on a dying silo must not hold up the batch.
                var latest = await GrainFactory.GetGrain<ISymbolGrain>(p.Update.Quote.Symbol).GetLatestAsync().WaitAsync(RefreshTimeout);
                return latest is not null && latest.Version > p.Update.Version ? latest : p.Update;
            }
            catch (Exception e)
            {
                // What is held is still the newest this writer knows: written now, the rest comes with the next send.
                Log.StorageRefreshFailed(logger, e, p.Update.Quote.Symbol);
                return p.Update;
            }
        }))];

    private sealed record LastWrite(DateTimeOffset At, long Version);

    /// <param name="Since">When the symbol's oldest unwritten quote arrived: flushes take the longest-waiting first.</param>
    /// <param name="HeldSince">When the quote now held arrived.</param>
    private sealed record PendingWrite(QuoteUpdate Update, DateTimeOffset Since, DateTimeOffset HeldSince);
}
