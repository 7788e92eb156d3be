using Microsoft.Extensions.Logging;
using QuoteCluster.Logging;
using QuoteCluster.Storage;

namespace QuoteCluster.Ingest;

/// <summary>
/// Writes the `ops/market_ingest` document by which UIs tell a live feed from a stale or stopped one: the ingest
/// grain's status, a heartbeat status that follows from the feed's and the store's health, and the quotes received
/// per second since the previous heartbeat.
/// </summary>
internal sealed class FeedHeartbeat(IQuoteStore store, TimeProvider time, ILogger logger)
{
    private long _receivedAtLastRate;
    private long _timestampAtLastRate;

    /// <summary>
    /// The first heartbeat is written as soon as the feed starts, and a stop can follow a timer tick closely: over a
    /// shorter time the count is too small to be a rate, so the previous rate stands until the next heartbeat.
    /// </summary>
    internal static TimeSpan ShortestRateWindow { get; } = TimeSpan.FromSeconds(0.5);

    /// <summary>When a heartbeat last reached the store; a failed write leaves it as it was, so its age shows the outage.</summary>
    public DateTimeOffset? LastWrittenAt { get; private set; }

    /// <summary>Quotes received per second between the two latest heartbeats far enough apart to measure it.</summary>
    public double QuotesPerSecond { get; private set; }

    /// <summary>Measures the first rate from now, so that it does not count the time the feed took to start.</summary>
    public void StartMeasuring() => _timestampAtLastRate = time.GetTimestamp();

    /// <summary>
    /// `running` only while the feed is live and the store's writes succeed. A stopped ingest is `stopped`; a feed
    /// that stopped while the ingest runs is a fault, so `degraded`.
    /// </summary>
    public string StatusOf(FeedState feed, bool ingestStopped) => ingestStopped ? HeartbeatStatus.Stopped : feed switch
    {
        FeedState.Live when store.Health.Healthy => HeartbeatStatus.Running,
        FeedState.Live => HeartbeatStatus.Degraded,
        FeedState.Starting => HeartbeatStatus.Starting,
        FeedState.ConfigurationError => HeartbeatStatus.ConfigurationError,
        _ => HeartbeatStatus.Degraded,
    };

    /// <summary>
    /// Writes one heartbeat. A failed write is logged, not thrown: the next timer tick is the retry, and a shutdown
    /// that ends with a heartbeat goes on without it.
    /// </summary>
    /// <param name="feed">The ingest grain's status now; its rate and last heartbeat time are this type's own, so they are not read.</param>
    public async Task WriteAsync(string status, FeedStatus feed, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var elapsed = time.GetElapsedTime(_timestampAtLastRate);
        if (elapsed > ShortestRateWindow)
        {
            QuotesPerSecond = (feed.QuotesReceived - _receivedAtLastRate) / elapsed.TotalSeconds;
            _receivedAtLastRate = feed.QuotesReceived;
            _timestampAtLastRate = time.GetTimestamp();
        }

        var heartbeat = new Heartbeat(now, status, feed.LastSymbol, store.IsDryRun, feed.Feed, feed.State.WireName(),
            feed.LastError ?? store.Health.LastError, Math.Round(QuotesPerSecond, 1), feed.Symbols.Count);
        try
        {
            await store.WriteHeartbeatAsync(heartbeat, cancellationToken);
            LastWrittenAt = now;
        }
        catch (Exception e)
        {
            Log.HeartbeatFailed(logger, e);
        }
    }
}
