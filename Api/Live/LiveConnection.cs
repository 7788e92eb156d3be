using System.Runtime.CompilerServices;
using QuoteCluster.Quotes;
using QuoteCluster.Threading;

namespace QuoteCluster.Api.Live;

/// <summary>
/// One streaming client's updates, conflated: at most one pending update per symbol, however slowly the client reads
/// or however low its `maxHz`, so its memory is bounded by its symbols and it always gets the latest value next.
/// </summary>
/// <remarks>
/// A loaded gateway takes from each connection hundreds of times a second, so a take allocates little: the semaphore
/// is waited on without a timeout or a token (with them, each wait made a timer, a linked promise and a continuation),
/// the stop token is registered once, the keep-alive is one periodic timer, and the taken updates go into one reused
/// list rather than a LINQ sort. Those waits and sorts made most of the gateway's garbage, and so most of its
/// collections.
/// </remarks>
/// <param name="maxHz">The client's cap on sends per second; updates arriving meanwhile are conflated, not queued.</param>
public sealed class LiveConnection(double? maxHz = null) : IQuoteListener, IDisposable
{
    private static readonly Comparison<QuoteUpdate> OldestVersionFirst = static (a, b) => a.Version.CompareTo(b.Version);

    private readonly TimeSpan _sendInterval = maxHz is { } hz ? TimeSpan.FromSeconds(1 / hz) : TimeSpan.Zero;
    private readonly Lock _gate = new();

    private readonly SemaphoreSlim _wake = new(0, 1);

    private readonly List<QuoteUpdate> _taken = [];
    private Dictionary<string, QuoteUpdate> _pending = new(StringComparer.Ordinal);
    private Dictionary<string, QuoteUpdate> _spare = new(StringComparer.Ordinal);
    private long _conflated;
    private long _lastTaken;
    private CancellationTokenRegistration _stopRegistration;
    private ITimer? _keepAliveTimer;
    private TimeSpan _keepAlivePeriod;
    private int _keepAliveDue;
    private volatile bool _disposed;

    /// <summary>Updates replaced by a newer one of the same symbol before the client took them.</summary>
    public long Conflated => Interlocked.Read(ref _conflated);

    public void OnQuote(QuoteUpdate update)
    {
        lock (_gate)
        {
            if (_pending.TryGetValue(update.Quote.Symbol, out var held))
            {
                if (held.Version >= update.Version) return;
                _conflated++;
            }

            _pending[update.Quote.Symbol] = update;
        }

        _wake.Wake();
    }

    /// <summary>
    /// Waits for updates and takes them all, oldest version first. Returns an empty list when a keep-alive period of
    /// <paramref name="keepAlive"/> ticked with nothing taken since the last take (at once for zero; never for
    /// <see cref="Timeout.InfiniteTimeSpan"/>). With `maxHz`, first waits out the interval since the last take.
    /// </summary>
    /// <remarks>
    /// One reader at a time. The list returned is the connection's own, valid until the next take. The keep-alive ticks
    /// on a fixed schedule from the first take, not reset by updates: an idle client hears at least once a period.
    /// A `maxHz` client's wait for its interval is a delay of its own, made at each take it has to hold back.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<IReadOnlyList<QuoteUpdate>> TakeAsync(TimeSpan keepAlive, CancellationToken cancellationToken)
    {
        if (_sendInterval > TimeSpan.Zero && _lastTaken != 0)
        {
            var remaining = _sendInterval - System.Diagnostics.Stopwatch.GetElapsedTime(_lastTaken);
            if (remaining > TimeSpan.Zero) await Task.Delay(remaining, cancellationToken);
        }

        WatchStop(cancellationToken);
        TickEvery(keepAlive);
        _taken.Clear();
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            cancellationToken.ThrowIfCancellationRequested();
            if (TakePending())
            {
                Volatile.Write(ref _keepAliveDue, 0);
                _lastTaken = System.Diagnostics.Stopwatch.GetTimestamp();
                return _taken;
            }

            if (keepAlive == TimeSpan.Zero) return _taken;
            if (keepAlive != Timeout.InfiniteTimeSpan && Interlocked.Exchange(ref _keepAliveDue, 0) == 1) return _taken;
            await _wake.WaitAsync();
        }
    }

    /// <summary>Ends the keep-alive and the stop's registration; a take still waiting throws.</summary>
    public void Dispose()
    {
        _disposed = true;
        _stopRegistration.Dispose();
        _keepAliveTimer?.Dispose();
        _wake.Wake();
    }

    private bool TakePending()
    {
        Dictionary<string, QuoteUpdate> taken;
        lock (_gate)
        {
            if (_pending.Count == 0) return false;
            taken = _pending;
            _pending = _spare;
        }

        _taken.AddRange(taken.Values);
        _taken.Sort(OldestVersionFirst);
        taken.Clear();
        lock (_gate) _spare = taken;
        return true;
    }

    // Registered once per token rather than per wait: a stop wakes the reader, which then throws.
    private void WatchStop(CancellationToken stop)
    {
        if (!stop.CanBeCanceled || stop == _stopRegistration.Token) return;
        _stopRegistration.Dispose();
        _stopRegistration = stop.UnsafeRegister(static state => ((LiveConnection)state!)._wake.Wake(), this);
    }

    private void TickEvery(TimeSpan period)
    {
        if (period <= TimeSpan.Zero || period == _keepAlivePeriod) return;
        _keepAlivePeriod = period;
        if (_keepAliveTimer is null)
        {
            // Not carrying the request's execution context into every tick for the connection's lifetime.
            using (ExecutionContext.SuppressFlow())
            {
                _keepAliveTimer = TimeProvider.System.CreateTimer(static state =>
                {
                    var connection = (LiveConnection)state!;
                    Volatile.Write(ref connection._keepAliveDue, 1);
                    connection._wake.Wake();
                }, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        _keepAliveTimer.Change(period, period);
    }
}
