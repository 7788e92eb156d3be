using System.Text.Json.Serialization;

namespace QuoteCluster.Api;

public sealed record SiloView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("symbol_grains")] int SymbolGrains,
    [property: JsonPropertyName("hosts_ingest")] bool HostsIngest);
