using QuoteCluster.Ingest;

namespace QuoteCluster.Api;

/// <summary>
/// The feed's state as `/readyz` reports it, read from the cluster at most once per <see cref="MaxAge"/> however many
/// probes (or strangers: the route takes no credential) ask; callers meanwhile share the last answer or the read in flight.
/// </summary>
internal sealed class ReadinessCache(Func<Task<FeedStatus>> read, TimeProvider time)
{
    /// <summary>Below the probes' 5 s period, so each probe still sees a fresh answer.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private Task<Outcome>? _last;
    private DateTimeOffset _readAt;

    public sealed record Outcome(FeedStatus? Status, string? Error);

    public Task<Outcome> ReadAsync()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_last is null || now - _readAt >= MaxAge)
            {
                _readAt = now;
                _last = ReadOnceAsync();
            }

            return _last;
        }
    }

    private async Task<Outcome> ReadOnceAsync()
    {
        try
        {
            return new Outcome(await read(), null);
        }
        catch (Exception e)
        {
            return new Outcome(null, $"cluster unreachable: {e.Message}");
        }
    }
}
