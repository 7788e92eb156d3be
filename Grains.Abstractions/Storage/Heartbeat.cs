namespace QuoteCluster.Storage;

/// <summary>The `ops/market_ingest` document: what a UI needs to call the feed LIVE, STALE or OFFLINE.</summary>
[GenerateSerializer, Immutable, Alias("QuoteCluster.Heartbeat")]
public sealed record Heartbeat(
    [property: Id(0)] DateTimeOffset Timestamp,
    [property: Id(1)] string Status,
    [property: Id(2)] string? LastSymbol,
    [property: Id(3)] bool DryRun,
    [property: Id(4)] string Feed,
    [property: Id(5)] string FeedState,
    [property: Id(6)] string? LastError,
    [property: Id(7)] double QuotesPerSecond,
    [property: Id(8)] int Symbols);

public static class HeartbeatStatus
{
    public const string Starting = "starting";
    public const string Running = "running";
    public const string Degraded = "degraded";

    /// <summary>The feed refuses the settings (bad keys, a feed the plan lacks): retrying will not help until they change.</summary>
    public const string ConfigurationError = "configuration_error";
    public const string Stopped = "stopped";
}
