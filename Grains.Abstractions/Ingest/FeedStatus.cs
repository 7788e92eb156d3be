namespace QuoteCluster.Ingest;

[GenerateSerializer, Alias("QuoteCluster.FeedState")]
public enum FeedState
{
    Starting = 0,
    Live = 1,
    Reconnecting = 2,
    ConfigurationError = 3,
    Stopped = 4,
}

public static class FeedStates
{
    /// <summary>How a state is written in the heartbeat and the status endpoint: `live`, `configuration_error`, ...</summary>
    public static string WireName(this FeedState state) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(state.ToString());
}

/// <summary>What the ingest grain reports about the feed: the status endpoint and the heartbeat are built from it.</summary>
[GenerateSerializer, Immutable, Alias("QuoteCluster.FeedStatus")]
public sealed record FeedStatus(
    [property: Id(0)] string Feed,
    [property: Id(1)] FeedState State,
    [property: Id(2)] bool Connected,
    [property: Id(3)] IReadOnlyList<string> Symbols,
    [property: Id(4)] long QuotesReceived,
    [property: Id(5)] double QuotesPerSecond,
    [property: Id(6)] string? LastSymbol,
    [property: Id(7)] DateTimeOffset? LastQuoteAt,
    [property: Id(8)] string? LastError,
    [property: Id(9)] DateTimeOffset? LastHeartbeatAt,
    [property: Id(10)] string Silo,
    [property: Id(11)] long SymbolCalls)
{
    /// <summary>MONITORED_SYMBOLS=*: <see cref="Symbols"/> are those that have arrived so far.</summary>
    [Id(12)] public bool AllSymbols { get; init; }

    /// <summary>Quotes of symbols past MAX_SYMBOLS under MONITORED_SYMBOLS=*, dropped rather than given grains.</summary>
    [Id(13)] public long DroppedQuotes { get; init; }

    /// <summary>How many distinct symbols those quotes were of (counted up to 100,000).</summary>
    [Id(14)] public int DroppedSymbols { get; init; }
}
