using QuoteCluster.Ingest;

namespace QuoteCluster.Api;

/// <summary>
/// The symbols the cluster ingests, as the IngestGrain lists them, and the one answer for a request that names others.
/// </summary>
/// <remarks>
/// A SymbolGrain answers for any well-formed symbol, so without this check a typo would pass for a symbol that has
/// had no quote yet.
/// </remarks>
/// <param name="discovered">
/// The list is what the feed has sent so far (MONITORED_SYMBOLS=*): nothing can be added to it, a symbol joins it with
/// its first quote. Told by the ingest grain, not read from this gateway's settings, which may differ from the silos'.
/// </param>
internal sealed class IngestedSymbols(IReadOnlyList<string> symbols, bool discovered)
{
    // Under MONITORED_SYMBOLS=* the list is the whole market's (thousands): looked up by hash, not scanned.
    private readonly HashSet<string> _lookup = new(symbols, StringComparer.Ordinal);

    public IReadOnlyList<string> All => symbols;

    public static async Task<IngestedSymbols> ReadAsync(IClusterClient cluster)
    {
        var list = await cluster.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey).GetSymbolsSinceAsync(SymbolListVersion.None);

        // Asked with no version, the grain always answers with the whole list.
        return new IngestedSymbols(list?.Symbols ?? [], list?.Discovered ?? false);
    }

    /// <summary>Why <paramref name="wanted"/> cannot be served, naming the symbols not ingested; null when all are.</summary>
    public string? NotIngested(IEnumerable<string> wanted)
    {
        var missing = wanted.Where(s => !_lookup.Contains(s)).ToList();
        if (missing.Count == 0) return null;

        // Under * adding is refused (409), so the way in is the symbol's own first quote, within MAX_SYMBOLS.
        return discovered
            ? $"Not ingested yet: {string.Join(", ", missing)}. Every symbol is ingested here (MONITORED_SYMBOLS=*), each from its first quote on, up to MAX_SYMBOLS symbols: these have not quoted yet, or came after that limit (dropped_symbols in GET /api/stream/status counts those)."
            : $"Not ingested: {string.Join(", ", missing)}; POST /api/subscriptions adds symbols.";
    }
}
