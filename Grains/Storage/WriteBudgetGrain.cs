using System.Threading.RateLimiting;
using QuoteCluster.Configuration;

namespace QuoteCluster.Storage;

/// <summary>
/// The one token bucket of the cluster. Writers on every silo ask it for a lease of tokens once per flush, so the
/// budget holds for the whole cluster at the cost of one small call per writer per FLUSH_INTERVAL_MS.
/// </summary>
public sealed class WriteBudgetGrain(QuoteClusterOptions options) : Grain, IWriteBudgetGrain
{
    private readonly TokenBucketRateLimiter _bucket = WriteBudget.CreateBucket(options.GlobalWritesPerSecond, options.GlobalBurst);

    public Task<int> AcquireAsync(int wanted) => Task.FromResult(WriteBudget.Take(_bucket, wanted));

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _bucket.Dispose();
        return Task.CompletedTask;
    }
}

public static class WriteBudget
{
    /// <summary>A bucket of <paramref name="burst"/> tokens refilled at <paramref name="perSecond"/>, in steps of about 100 ms.</summary>
    public static TokenBucketRateLimiter CreateBucket(double perSecond, int burst)
    {
        var tokensPerPeriod = Math.Max(1, (int)Math.Round(perSecond * 0.1));
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerPeriod / perSecond),
            AutoReplenishment = true,
            QueueLimit = 0,
        });
    }

    /// <summary>Takes as many of <paramref name="wanted"/> tokens as the bucket holds now, without waiting.</summary>
    public static int Take(RateLimiter bucket, int wanted)
    {
        var available = (int)Math.Min(wanted, bucket.GetStatistics()?.CurrentAvailablePermits ?? 0);
        if (available <= 0) return 0;
        using var lease = bucket.AttemptAcquire(available);
        return lease.IsAcquired ? available : 0;
    }
}
