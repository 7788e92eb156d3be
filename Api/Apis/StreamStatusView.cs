using System.Text.Json.Serialization;

namespace QuoteCluster.Api;

public sealed record StreamStatusView(
    [property: JsonPropertyName("alpaca_connected")] bool AlpacaConnected,
    [property: JsonPropertyName("active_symbols")] IReadOnlyList<string> ActiveSymbols,
    [property: JsonPropertyName("stream_count")] int StreamCount,
    [property: JsonPropertyName("connected_clients")] int ConnectedClients,
    [property: JsonPropertyName("gateway_symbol_subscriptions")] int GatewaySymbolSubscriptions,
    [property: JsonPropertyName("heartbeat_age_s")] double? HeartbeatAgeSeconds,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("feed")] string? Feed,
    [property: JsonPropertyName("feed_state")] string? FeedState,
    [property: JsonPropertyName("last_error")] string? LastError,
    [property: JsonPropertyName("quotes_per_sec")] double QuotesPerSecond,
    [property: JsonPropertyName("last_symbol")] string? LastSymbol,
    [property: JsonPropertyName("last_heartbeat_at")] DateTimeOffset? LastHeartbeatAt)
{
    /// <summary>MONITORED_SYMBOLS=*: `active_symbols` are the symbols that have arrived so far.</summary>
    [JsonPropertyName("all_symbols")] public bool AllSymbols { get; init; }

    /// <summary>Under MONITORED_SYMBOLS=*, quotes of symbols past MAX_SYMBOLS, dropped rather than ingested.</summary>
    [JsonPropertyName("dropped_quotes")] public long DroppedQuotes { get; init; }

    /// <summary>How many distinct symbols were dropped so.</summary>
    [JsonPropertyName("dropped_symbols")] public int DroppedSymbols { get; init; }
}
