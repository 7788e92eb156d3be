namespace QuoteCluster.Ingest;

/// <summary>What survives the ingest grain moving to another silo: the symbols added or removed at run time, and who announced leaving.</summary>
[GenerateSerializer, Alias("QuoteCluster.IngestState")]
public sealed class IngestState
{
    [Id(0)] public List<string> Symbols { get; set; } = [];

    /// <summary>Silos that announced their shutdown: when every active silo is among them, the whole cluster is stopping.</summary>
    [Id(1)] public List<string> LeavingSilos { get; set; } = [];
}
