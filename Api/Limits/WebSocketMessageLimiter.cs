using System.Threading.RateLimiting;

namespace QuoteCluster.Api.Limits;

/// <summary>
/// How many control messages (subscribe, unsubscribe) one socket may send: each one reads the ingested symbols from the
/// cluster and changes stream subscriptions, so an unbounded loop of them would load the whole cluster from one socket.
/// The number of sockets is bounded apart (API_MAX_CONNECTIONS).
/// </summary>
internal sealed class WebSocketMessageLimiter : IDisposable
{
    /// <summary>A burst of 20, then 10 a second.</summary>
    public const int Burst = 20;
    public const int PerSecond = 10;

    public const string Refusal = "Too many messages: at most 10 a second (bursts of 20) per socket; this one was dropped and changed nothing.";

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Burst,
            TokensPerPeriod = PerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public bool Allows(string client)
    {
        using var lease = _limiter.AttemptAcquire(client);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
