using System.Text.Json.Serialization;

namespace QuoteCluster.Api;

public sealed record ReadinessView(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("feed_state")] string? FeedState,
    [property: JsonPropertyName("reason")] string? Reason);
