using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using QuoteCluster.Ingest;

namespace QuoteCluster.Tests.Ingest;

/// <summary>The ingest pump's failed deliveries reach the log as a few counted lines, on fake time.</summary>
public sealed class DispatchFailureReportTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeLogger _log = new();
    private readonly DispatchFailureReport _report;

    public DispatchFailureReportTests() => _report = new DispatchFailureReport(_time, _log);

    [Fact]
    public void The_first_failure_is_logged_at_once_and_the_next_ones_once_an_interval_with_their_count()
    {
        var unreachable = new InvalidOperationException("silo unreachable");
        _report.Failed(unreachable, "AAPL");
        Assert.Equal(1, Failures(Assert.Single(_log.Collector.GetSnapshot())));

        // Twenty more within the interval, from other symbols and the same one: no line.
        for (var i = 0; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(200));
            _report.Failed(unreachable, i % 2 == 0 ? "MSFT" : "AAPL");
        }

        Assert.Equal(1, _log.Collector.Count);

        // The first failure past the interval reports all of them, itself included.
        _time.Advance(TimeSpan.FromMilliseconds(1_000));
        _report.Failed(unreachable, "MSFT");
        var second = _log.Collector.LatestRecord;
        Assert.Equal("ingest_dispatch_failed", second.Id.Name);
        Assert.Equal(LogLevel.Warning, second.Level);
        Assert.Same(unreachable, second.Exception);
        Assert.Equal(21, Failures(second));
    }

    [Fact]
    public void Recovery_is_logged_once_no_delivery_has_failed_for_an_interval_with_the_failures_not_yet_reported()
    {
        _report.Succeeded();
        Assert.Equal(0, _log.Collector.Count);

        _report.Failed(new InvalidOperationException("silo unreachable"), "AAPL");
        _time.Advance(TimeSpan.FromSeconds(1));
        _report.Failed(new InvalidOperationException("silo unreachable"), "AAPL");

        // Other symbols' deliveries go on succeeding meanwhile: that is not a recovery yet.
        _time.Advance(DispatchFailureReport.Interval - TimeSpan.FromMilliseconds(1));
        _report.Succeeded();
        Assert.Equal(1, _log.Collector.Count);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        _report.Succeeded();
        _report.Succeeded();
        var recovered = _log.Collector.LatestRecord;
        Assert.Equal(2, _log.Collector.Count);
        Assert.Equal("ingest_dispatch_recovered", recovered.Id.Name);
        Assert.Equal(LogLevel.Information, recovered.Level);
        Assert.Equal(1, Failures(recovered));

        // A failure after the recovery is news again: logged at once.
        _report.Failed(new InvalidOperationException("silo unreachable"), "AAPL");
        Assert.Equal(3, _log.Collector.Count);
        Assert.Equal(1, Failures(_log.Collector.LatestRecord));
    }

    [Fact]
    public void A_call_still_stuck_on_a_hung_silo_holds_back_the_recovery_however_long_the_others_succeed()
    {
        _report.Failed(new TimeoutException("response timeout"), "AAPL");
        _report.Stuck();
        _time.Advance(DispatchFailureReport.Interval * 3);
        _report.Succeeded();
        Assert.Equal(1, _log.Collector.Count);

        _report.StuckEnded();
        _report.Succeeded();
        Assert.Equal("ingest_dispatch_recovered", _log.Collector.LatestRecord.Id.Name);
    }

    private static long Failures(FakeLogRecord record) =>
        Convert.ToInt64(record.StructuredState!.Single(p => p.Key == "failures").Value, System.Globalization.CultureInfo.InvariantCulture);
}
