using System.Text.Json.Serialization;

namespace QuoteCluster.Api;

public sealed record ClusterView(
    [property: JsonPropertyName("silos")] SiloView[] Silos,
    [property: JsonPropertyName("dead_silos")] int DeadSilos,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);
