using QuoteCluster.Quotes;

namespace QuoteCluster.Symbols;

/// <summary>What a SymbolGrain keeps in the cluster's storage, so its latest quote outlives its silo.</summary>
[GenerateSerializer, Alias("QuoteCluster.SymbolState")]
public sealed class SymbolState
{
    [Id(0)] public QuoteUpdate? Latest { get; set; }

    [Id(1)] public long StoredVersion { get; set; }
}
