using Polly;
using Polly.Retry;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>
/// The reconnect schedule: exponential backoff with full jitter between the base and the cap, counted from the last
/// session that proved healthy; a 406 waits out the server's reaping window and configuration errors wait the cap.
/// </summary>
/// <remarks>
/// A session proves healthy by staying authenticated for as long as the cap. An auth alone proves nothing: a server that
/// authenticates and then drops at once (a repeated 407, a proxy that cuts connections) would otherwise be reconnected to
/// within the first step's delay forever. With the cap as the bar, connections come no more often than about one per cap
/// whatever the server does: a session that lived the cap and is retried at once was itself at least a cap ago.
/// </remarks>
public sealed class AlpacaBackoff(AlpacaStreamSettings settings, Random random)
{
    private int _failuresSinceHealthy;

    public int FailuresSinceHealthy => Volatile.Read(ref _failuresSinceHealthy);

    /// <summary>How long a session must stay authenticated to restart the schedule: the cap.</summary>
    public TimeSpan HealthyAfter => settings.BackoffMax;

    /// <summary>A session ended after <paramref name="authenticatedFor"/> authenticated (zero when it never was).</summary>
    public void SessionEnded(TimeSpan authenticatedFor)
    {
        if (authenticatedFor >= HealthyAfter) Volatile.Write(ref _failuresSinceHealthy, 0);
    }

    public TimeSpan NextDelay(AlpacaSessionEndKind kind)
    {
        var attempt = Interlocked.Increment(ref _failuresSinceHealthy) - 1;
        var ceiling = Ceiling(attempt);
        var jittered = ceiling * random.NextDouble();
        return kind switch
        {
            AlpacaSessionEndKind.ConnectionLimit => settings.ConnectionLimitBackoff + jittered,
            AlpacaSessionEndKind.Configuration => settings.BackoffMax,
            _ => jittered,
        };
    }

    /// <summary>The most the <paramref name="attempt"/>-th delay (from 0) may be: min(cap, base·2^attempt).</summary>
    public TimeSpan Ceiling(int attempt)
    {
        var factor = Math.Pow(2, Math.Min(attempt, 40));
        var ticks = Math.Min(settings.BackoffMax.Ticks, settings.BackoffBase.Ticks * factor);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>A retry pipeline that runs sessions for ever on this schedule, waiting on <paramref name="time"/>.</summary>
    public ResiliencePipeline CreatePipeline(TimeProvider time, Func<AlpacaSessionEndedException, TimeSpan, ValueTask> onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<AlpacaSessionEndedException>(),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    NextDelay(((AlpacaSessionEndedException)args.Outcome.Exception!).Kind)),
                OnRetry = args => onRetry((AlpacaSessionEndedException)args.Outcome.Exception!, args.RetryDelay),
            })
            .Build();
}
