using Microsoft.Extensions.Logging;
using QuoteCluster.Logging;
using QuoteCluster.Observability;

namespace QuoteCluster.Ingest;

/// <summary>
/// Reports the ingest pump's failed deliveries to the log: the first at once, then at most one line per
/// <see cref="Interval"/> with the count since the last, and a line when none has failed for an interval.
/// </summary>
/// <remarks>
/// While a silo is unreachable every delivery to its symbols fails and is retried every 200 ms: with a whole market,
/// thousands a second. A warning with a stack trace for each flooded the log (1,400 lines in 3 s for 100 symbols) and
/// made a silo in trouble spend its time writing them. Every failure is still counted in the
/// <c>quotecluster.ingest.dispatch_failures</c> metric.
/// </remarks>
internal sealed class DispatchFailureReport(TimeProvider time, ILogger logger)
{
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private volatile bool _failing;
    private long _unreported;
    private long _lastReportedAt;
    private long _lastFailedAt;

    public void Failed(Exception exception, string symbol)
    {
        QuoteClusterMetrics.DispatchFailures.Add(1);
        lock (_gate)
        {
            _unreported++;
            _lastFailedAt = time.GetTimestamp();
            if (_failing && time.GetElapsedTime(_lastReportedAt) < Interval) return;
            _failing = true;
            _lastReportedAt = _lastFailedAt;
            Log.DispatchFailed(logger, exception, symbol, _unreported);
            _unreported = 0;
        }
    }

    /// <summary>Called for every delivery that succeeds: costs a volatile read unless failures were reported.</summary>
    public void Succeeded()
    {
        if (!_failing) return;
        lock (_gate)
        {
            if (!_failing || time.GetElapsedTime(_lastFailedAt) < Interval) return;
            _failing = false;
            Log.DispatchRecovered(logger, Interval.TotalSeconds, _unreported);
            _unreported = 0;
        }
    }
}
