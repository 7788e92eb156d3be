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

    /// <summary>Re-sends the latest quote to storage when an earlier send was never confirmed (the writer may have been lost).</summary>
    [Alias("EnsureStored")]
    Task EnsureStoredAsync();

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
    [property: Id(5)] bool WritePending);
