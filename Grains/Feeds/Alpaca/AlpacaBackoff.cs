using Polly;
using Polly.Retry;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>
/// The reconnect schedule: exponential backoff with full jitter between the base and the cap, counted from the last
/// successful auth; a 406 waits out the server's reaping window and configuration errors wait the cap.
/// </summary>
public sealed class AlpacaBackoff(AlpacaStreamSettings settings, Random random)
{
    private int _failuresSinceAuth;

    public int FailuresSinceAuth => Volatile.Read(ref _failuresSinceAuth);

    /// <summary>A session authenticated: the next failure starts the schedule again.</summary>
    public void Reset() => Volatile.Write(ref _failuresSinceAuth, 0);

    public TimeSpan NextDelay(AlpacaSessionEndKind kind)
    {
        var attempt = Interlocked.Increment(ref _failuresSinceAuth) - 1;
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
