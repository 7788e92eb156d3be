namespace QuoteCluster.Ingest;

/// <summary>The cluster's single owner of the market-data connection and of the heartbeat.</summary>
[Alias("QuoteCluster.IIngestGrain")]
public interface IIngestGrain : IGrainWithIntegerKey
{
    /// <summary>The only key: there is exactly one ingest grain per cluster.</summary>
    public const long SingletonKey = 0;

    /// <summary>Activates the grain (and so the feed) if it is not running; silos call it to heal after a silo loss.</summary>
    [Alias("EnsureRunning")]
    Task EnsureRunningAsync();

    [Alias("GetStatus")]
    Task<FeedStatus> GetStatusAsync();

    [Alias("GetSymbols")]
    Task<IReadOnlyList<string>> GetSymbolsAsync();

    /// <summary>
    /// The ingested symbols for a caller that holds <paramref name="known"/>: null when nothing changed since, else the
    /// change (under MONITORED_SYMBOLS=*, only the symbols added since, when <paramref name="known"/> is of this
    /// activation). What gateways poll several times a second: while nothing changes, the answer is empty.
    /// </summary>
    [Alias("GetSymbolsSince")]
    Task<SymbolListChange?> GetSymbolsSinceAsync(SymbolListVersion known);

    /// <summary>Adds symbols to what the feed ingests; returns the full set afterwards.</summary>
    [Alias("AddSymbols")]
    Task<IReadOnlyList<string>> AddSymbolsAsync(IReadOnlyList<string> symbols);

    [Alias("RemoveSymbols")]
    Task<IReadOnlyList<string>> RemoveSymbolsAsync(IReadOnlyList<string> symbols);

    /// <summary>Stops the feed, drains what was received into the SymbolGrains and writes the final heartbeat.</summary>
    [Alias("Stop")]
    Task StopAsync(string reason);

    /// <summary>
    /// A silo announces it is shutting down. When no active silo is left that is staying, the cluster as a whole is
    /// stopping: the grain stops the feed and writes the final `stopped` heartbeat, and returns true.
    /// </summary>
    [Alias("SiloLeaving")]
    Task<bool> SiloLeavingAsync(SiloAddress leaving);
}
