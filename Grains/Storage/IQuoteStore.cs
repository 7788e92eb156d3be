using QuoteCluster.Quotes;

namespace QuoteCluster.Storage;

/// <summary>The storage seam: the dry-run log today, Firestore next. Writes are idempotent overwrites.</summary>
public interface IQuoteStore
{
    bool IsDryRun { get; }

    /// <summary>Overwrites each symbol's quote document; all or nothing.</summary>
    Task WriteQuotesAsync(IReadOnlyList<Quote> quotes, CancellationToken cancellationToken);

    Task WriteHeartbeatAsync(Heartbeat heartbeat, CancellationToken cancellationToken);
}
