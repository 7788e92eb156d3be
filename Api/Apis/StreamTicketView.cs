using System.Text.Json.Serialization;

namespace QuoteCluster.Api;

public sealed record StreamTicketView(
    [property: JsonPropertyName("ticket")] string Ticket,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("role")] string Role);
