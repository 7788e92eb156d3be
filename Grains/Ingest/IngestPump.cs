using Microsoft.Extensions.Logging;
using QuoteCluster.Observability;
using QuoteCluster.Symbols;
using QuoteCluster.Threading;

namespace QuoteCluster.Ingest;

/// <summary>
/// Hands each symbol's newest quote to its SymbolGrain as soon as the symbol's previous delivery has ended: one call in
/// flight per symbol, never a wait for the others.
/// </summary>
/// <remarks>
/// It runs on the thread pool, not in the ingest grain's turns, so deliveries never delay the heartbeat. Quotes that
/// arrive while a symbol's call is in flight coalesce, which is the back-pressure: an idle path has no batching delay and
/// a loaded one makes fewer, fuller calls. A call stuck on a hung silo holds up its own symbol only.
/// <see cref="QuoteClusterOptions.IngestBatchInterval"/> is the least time between two dispatch passes, which bounds
/// the call rate when every symbol is busy.
/// At most <paramref name="maxInFlight"/> calls are in flight (INGEST_MAX_IN_FLIGHT). With a whole market every symbol
/// is ready at once: eleven thousand calls queued in the silo carried quotes that were a second old when they arrived,
/// while the queue delayed everything else the silo does. Past the window, symbols wait in the coalescer instead, where
/// a newer quote replaces the waiting one, and each call carries what is newest when it leaves.
/// </remarks>
internal sealed class IngestPump(
    QuoteCoalescer coalescer, IGrainFactory grains, TimeProvider time, TimeSpan minimumGap, int maxInFlight, ILogger logger)
{
    /// <summary>How long a symbol whose delivery failed waits before the next try (its silo may be gone).</summary>
    internal static TimeSpan RetryDelay { get; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a call counts against the window: one still running after this is presumed stuck on a silo.</summary>
    internal static TimeSpan WindowHeldAtMost { get; } = TimeSpan.FromSeconds(1);

    private readonly List<PendingQuote> _batch = [];

    // Orleans' GetGrain reads the interface's attributes on every call: 4 % of the silo's CPU with a whole market, against
    // a dictionary look-up here. Bounded by the coalescer's MAX_SYMBOLS; used only under the lock on _batch.
    private readonly Dictionary<string, ISymbolGrain> _symbolGrains = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _callEnded = new(0, 1);
    private readonly DispatchFailureReport _failures = new(time, logger);
    private CancellationTokenSource? _stop;
    private Task _loop = Task.CompletedTask;
    private long _symbolCalls;
    private int _inFlight;

    public long SymbolCalls => Interlocked.Read(ref _symbolCalls);

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Stops the loop and delivers what is still pending, so no received quote is left behind.</summary>
    /// <remarks>Bounded by <paramref name="deadline"/> on the wall clock: a hung silo must not hold a stop for ever.</remarks>
    public async Task StopAsync(TimeSpan deadline)
    {
        if (_stop is null) return;
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var bound = Task.Delay(deadline);
        while (!bound.IsCompleted)
        {
            DispatchReady();
            if (!coalescer.HasWork) break;
            await Task.Delay(TimeSpan.FromMilliseconds(5));
        }

        _stop.Dispose();
        _stop = null;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var lastPass = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await coalescer.WaitForReadyAsync(cancellationToken);
                var wait = minimumGap - time.GetElapsedTime(lastPass);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken);
                while (Volatile.Read(ref _inFlight) >= maxInFlight) await _callEnded.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lastPass = time.GetTimestamp();
            DispatchReady();
        }
    }

    private void DispatchReady()
    {
        lock (_batch)
        {
            coalescer.TakeReady(_batch, Math.Max(0, maxInFlight - Volatile.Read(ref _inFlight)));
            Interlocked.Add(ref _inFlight, _batch.Count);
            foreach (var pending in _batch)
            {
                var symbol = pending.Latest.Symbol;
                if (!_symbolGrains.TryGetValue(symbol, out var grain))
                {
                    grain = grains.GetGrain<ISymbolGrain>(symbol);
                    _symbolGrains[symbol] = grain;
                }

                _ = DeliverAsync(grain, pending);
            }

            _batch.Clear();
        }
    }

    private async Task DeliverAsync(ISymbolGrain grain, PendingQuote pending)
    {
        var inWindow = true;
        var stuck = false;
        try
        {
            Interlocked.Increment(ref _symbolCalls);
            var call = grain.ApplyAsync(pending.Latest.ToQuote(), pending.Count);
            try
            {
                await call.WaitAsync(WindowHeldAtMost, time);
            }
            catch (TimeoutException)
            {
                // Presumed stuck on a failing silo: the symbol stays held until its call ends, but its place in the
                // window goes to another, or a few hung calls would stop every symbol.
                inWindow = false;
                LeaveWindow();
                _failures.Stuck();
                stuck = true;
                await call;
            }

            QuoteClusterMetrics.SymbolUpdates.Add(1);
            coalescer.Delivered(pending);
        }
        catch (Exception e)
        {
            // The grain's silo may be gone: this symbol retries shortly, with this quote or a newer one.
            if (inWindow)
            {
                inWindow = false;
                LeaveWindow();
            }

            await Task.Delay(RetryDelay, time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            coalescer.Failed(pending);

            // Reported once the quote is back with the coalescer, so reporting cannot strand it.
            _failures.Failed(e, pending.Latest.Symbol);
            return;
        }
        finally
        {
            if (inWindow) LeaveWindow();

            // Only once a failure has been reported: a stuck call that times out must not leave a moment in which nothing
            // is stuck and the last failure is old, or the others' successes would report a recovery before it.
            if (stuck) _failures.StuckEnded();
        }

        // Outside the try: the delivery is done whatever reporting does.
        _failures.Succeeded();
    }

    private void LeaveWindow()
    {
        Interlocked.Decrement(ref _inFlight);
        _callEnded.Wake();
    }

}
