using QuoteCluster.Quotes;

namespace QuoteCluster.Symbols;

/// <summary>One per ticker, keyed by the upper-case symbol: holds the latest quote and owns its storage writes.</summary>
[Alias("QuoteCluster.ISymbolGrain")]
public interface ISymbolGrain : IGrainWithStringKey
{
    /// <summary>Applies the newest quote of an ingest batch; <paramref name="quotesInBatch"/> counts what it replaced.</summary>
    [Alias("Apply")]
    Task ApplyAsync(Quote quote, int quotesInBatch);

    [Alias("GetLatest")]
    Task<QuoteUpdate?> GetLatestAsync();

    /// <summary>The storage writer reports that this version (or a newer one) is durable.</summary>
    [Alias("ConfirmStored")]
    Task ConfirmStoredAsync(long version);

    /// <summary>
    /// Re-sends the latest quote to storage when an earlier send went unconfirmed for STORAGE_RESEND_AFTER_S (the writer
    /// may have been lost), or when a trailing write's flush failed.
    /// </summary>
    [Alias("EnsureStored")]
    Task EnsureStoredAsync();

    /// <summary>Re-sends the latest quote at once if the last send is unconfirmed: a silo died, and the writer holding it may have too.</summary>
    [Alias("ResendUnconfirmed")]
    Task ResendUnconfirmedAsync();

    /// <summary>Sends a write that is still waiting for its interval now; used when the system stops.</summary>
    [Alias("FlushPendingWrite")]
    Task FlushPendingWriteAsync();

    [Alias("GetWriteStats")]
    Task<SymbolWriteStats> GetWriteStatsAsync();
}

[GenerateSerializer, Immutable, Alias("QuoteCluster.SymbolWriteStats")]
public sealed record SymbolWriteStats(
    [property: Id(0)] long QuotesIn,
    [property: Id(1)] long Updates,
    [property: Id(2)] long StaleDropped,
    [property: Id(3)] long WritesSent,
    [property: Id(4)] long StoredVersion,
    [property: Id(5)] bool WritePending,
    [property: Id(6)] bool AwaitingConfirmation);
