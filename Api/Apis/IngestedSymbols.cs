using QuoteCluster.Ingest;

namespace QuoteCluster.Api;

/// <summary>
/// The symbols the cluster ingests, as the IngestGrain lists them, and the one answer for a request that names others.
/// </summary>
/// <remarks>
/// A SymbolGrain answers for any well-formed symbol, so without this check a typo would pass for a symbol that has
/// had no quote yet.
/// </remarks>
internal sealed class IngestedSymbols(IReadOnlyList<string> symbols)
{
    // Under MONITORED_SYMBOLS=* the list is the whole market's (thousands): looked up by hash, not scanned.
    private readonly HashSet<string> _lookup = new(symbols, StringComparer.Ordinal);

    public IReadOnlyList<string> All => symbols;

    public static async Task<IngestedSymbols> ReadAsync(IClusterClient cluster) =>
        new(await cluster.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey).GetSymbolsAsync());

    /// <summary>Why <paramref name="wanted"/> cannot be served, naming the symbols not ingested; null when all are.</summary>
    public string? NotIngested(IEnumerable<string> wanted)
    {
        var missing = wanted.Where(s => !_lookup.Contains(s)).ToList();
        return missing.Count == 0 ? null : $"Not ingested: {string.Join(", ", missing)}; POST /api/subscriptions adds symbols.";
    }
}
