using Microsoft.Extensions.Logging;
using QuoteCluster.Logging;
using QuoteCluster.Observability;
using QuoteCluster.Symbols;

namespace QuoteCluster.Ingest;

/// <summary>
/// Every batch interval, hands each symbol's newest quote to its SymbolGrain: one call per symbol per batch.
/// </summary>
/// <remarks>
/// It runs on the thread pool, not in the ingest grain's turns, so a slow batch never delays the heartbeat. When a
/// batch takes longer than the interval the next one simply coalesces more, which is the back-pressure.
/// </remarks>
internal sealed class IngestPump(QuoteCoalescer coalescer, IGrainFactory grains, TimeProvider time, TimeSpan interval, ILogger logger)
{
    private CancellationTokenSource? _stop;
    private Task _loop = Task.CompletedTask;
    private long _symbolCalls;

    public long SymbolCalls => Interlocked.Read(ref _symbolCalls);

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Stops the loop and delivers what is still pending, so no received quote is left behind.</summary>
    public async Task StopAsync()
    {
        if (_stop is null) return;
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await DispatchOnceAsync();
        _stop.Dispose();
        _stop = null;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await DispatchOnceAsync();
        }
    }

    internal async Task DispatchOnceAsync()
    {
        var batch = coalescer.Drain();
        try
        {
            if (batch.Count == 0) return;
            var deliveries = new Task[batch.Count];
            var i = 0;
            foreach (var pending in batch.Values)
            {
                deliveries[i++] = DeliverAsync(pending);
            }

            await Task.WhenAll(deliveries);
        }
        finally
        {
            coalescer.Recycle(batch);
        }
    }

    private async Task DeliverAsync(PendingQuote pending)
    {
        try
        {
            Interlocked.Increment(ref _symbolCalls);
            await grains.GetGrain<ISymbolGrain>(pending.Latest.Symbol).ApplyAsync(pending.Latest.ToQuote(), pending.Count);
            QuoteClusterMetrics.SymbolUpdates.Add(1);
        }
        catch (Exception e)
        {
            // The grain's silo may be gone; the next batch retries with this quote or a newer one.
            Log.DispatchFailed(logger, e, pending.Latest.Symbol);
            coalescer.Restore(pending);
        }
    }
}
