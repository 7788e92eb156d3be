namespace QuoteCluster.Symbols;

/// <summary>
/// Trailing-edge throttle for one symbol's storage writes: at most one write per interval, and a change that arrives
/// inside the interval is written when the interval ends, so the last quote of a burst is always written.
/// </summary>
public sealed class WriteThrottle(TimeSpan minInterval)
{
    private DateTimeOffset? _lastWriteAt;

    public bool Pending { get; private set; }

    /// <summary>Records a change; returns how long until it may be written (zero: write now).</summary>
    public TimeSpan OnChange(DateTimeOffset now)
    {
        Pending = true;
        return DueIn(now);
    }

    public TimeSpan DueIn(DateTimeOffset now)
    {
        if (_lastWriteAt is not { } last) return TimeSpan.Zero;
        var due = last + minInterval - now;
        return due > TimeSpan.Zero ? due : TimeSpan.Zero;
    }

    public void OnWritten(DateTimeOffset now)
    {
        Pending = false;
        _lastWriteAt = now;
    }
}
