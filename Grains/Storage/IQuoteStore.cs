using QuoteCluster.Quotes;

namespace QuoteCluster.Storage;

/// <summary>Where quotes and heartbeats go: Firestore, or with DRY_RUN=1 the log. Writes are idempotent overwrites.</summary>
public interface IQuoteStore
{
    bool IsDryRun { get; }

    /// <summary>How the last quote writes went; the heartbeat reports `degraded` while they fail.</summary>
    StoreHealth Health { get; }

    /// <summary>Overwrites each symbol's quote document; all or nothing.</summary>
    Task WriteQuotesAsync(IReadOnlyList<Quote> quotes, CancellationToken cancellationToken);

    Task WriteHeartbeatAsync(Heartbeat heartbeat, CancellationToken cancellationToken);
}

/// <summary>A store's own account of its recent writes.</summary>
public sealed record StoreHealth(bool Healthy, string? LastError, int ConsecutiveFailures)
{
    public static StoreHealth Ok { get; } = new(true, null, 0);
}
