using QuoteCluster.Quotes;

namespace QuoteCluster.Api.Live;

/// <summary>
/// One streaming client's updates, conflated: at most one pending update per symbol, however slowly the client reads
/// or however low its `maxHz`, so its memory is bounded by its symbols and it always gets the latest value next.
/// </summary>
/// <param name="maxHz">The client's cap on sends per second; updates arriving meanwhile are conflated, not queued.</param>
public sealed class LiveConnection(double? maxHz = null) : IQuoteListener
{
    private readonly TimeSpan _sendInterval = maxHz is { } hz ? TimeSpan.FromSeconds(1 / hz) : TimeSpan.Zero;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private Dictionary<string, QuoteUpdate> _pending = new(StringComparer.Ordinal);
    private Dictionary<string, QuoteUpdate> _spare = new(StringComparer.Ordinal);
    private long _conflated;
    private long _lastTaken;

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

        // One permit at most: a signal already pending covers this update too.
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    /// <summary>
    /// Waits up to <paramref name="wait"/> for updates and takes them all, oldest version first; empty on timeout. With
    /// `maxHz`, first waits out the interval since the last updates were taken.
    /// </summary>
    public async Task<IReadOnlyList<QuoteUpdate>> TakeAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (_sendInterval > TimeSpan.Zero && _lastTaken != 0)
        {
            var remaining = _sendInterval - System.Diagnostics.Stopwatch.GetElapsedTime(_lastTaken);
            if (remaining > TimeSpan.Zero) await Task.Delay(remaining, cancellationToken);
        }

        await _signal.WaitAsync(wait, cancellationToken);
        Dictionary<string, QuoteUpdate> taken;
        lock (_gate)
        {
            if (_pending.Count == 0) return [];
            taken = _pending;
            _pending = _spare;
        }

        var updates = taken.Values.OrderBy(u => u.Version).ToList();
        taken.Clear();
        lock (_gate) _spare = taken;
        _lastTaken = System.Diagnostics.Stopwatch.GetTimestamp();
        return updates;
    }
}
