using Microsoft.Extensions.Logging;
using QuoteCluster.Logging;
using QuoteCluster.Observability;

namespace QuoteCluster.Ingest;

/// <summary>
/// Reports the ingest pump's failed deliveries to the log: the first at once, then at most one line per
/// <see cref="Interval"/> with the count since the last, and a line once none has failed for an interval and no call is
/// still stuck.
/// </summary>
/// <remarks>
/// While a silo is unreachable every delivery to its symbols fails and is retried every 200 ms: with a whole market,
/// thousands a second. A warning with a stack trace for each flooded the log (1,400 lines in 3 s for 100 symbols) and
/// made a silo in trouble spend its time writing them. Every failure is still counted in the
/// <c>quotecluster.ingest.dispatch_failures</c> metric.
/// A silo that hangs rather than refuses fails its calls only at Orleans' response timeout, long after the pump stopped
/// waiting for them (they are "stuck"); other symbols succeed meanwhile, and without counting the stuck calls that
/// silence would be reported as a recovery before every burst of timeouts.
/// </remarks>
internal sealed class DispatchFailureReport(TimeProvider time, ILogger logger)
{
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private volatile bool _failing;
    private long _unreported;
    private long _lastReportedAt;
    private long _lastFailedAt;
    private int _stuck;

    public void Failed(Exception exception, string symbol)
    {
        QuoteClusterMetrics.DispatchFailures.Add(1);
        long failures;
        lock (_gate)
        {
            _unreported++;
            var now = time.GetTimestamp();
            Volatile.Write(ref _lastFailedAt, now);
            if (_failing && time.GetElapsedTime(_lastReportedAt) < Interval) return;
            _failing = true;
            _lastReportedAt = now;
            failures = _unreported;
            _unreported = 0;
        }

        Log.DispatchFailed(logger, exception, symbol, failures);
    }

    /// <summary>A call the pump stopped waiting for (it gave up its place in the window) and that has not ended.</summary>
    public void Stuck() => Interlocked.Increment(ref _stuck);

    public void StuckEnded() => Interlocked.Decrement(ref _stuck);

    /// <summary>Called for every delivery that succeeds: while nothing has failed lately it takes no lock.</summary>
    public void Succeeded()
    {
        if (!RecoveryDue) return;
        long failures;
        lock (_gate)
        {
            if (!RecoveryDue) return;
            _failing = false;
            failures = _unreported;
            _unreported = 0;
        }

        Log.DispatchRecovered(logger, Interval.TotalSeconds, failures);
    }

    /// <summary>Failures were reported, none for an interval, and no call is stuck: read without the lock, then under it.</summary>
    private bool RecoveryDue =>
        _failing && time.GetElapsedTime(Volatile.Read(ref _lastFailedAt)) >= Interval && Volatile.Read(ref _stuck) == 0;
}
