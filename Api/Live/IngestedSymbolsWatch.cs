using QuoteCluster.Ingest;

namespace QuoteCluster.Api.Live;

/// <summary>
/// The gateway's copy of the symbols the cluster ingests, kept current by asking the ingest grain only what changed
/// since the copy's version: while nothing changes, each refresh is one call with an empty answer, whatever the number
/// of symbols and of clients.
/// </summary>
/// <remarks>
/// A discovered list (MONITORED_SYMBOLS=*) starts empty again when the ingest grain re-activates after a silo loss,
/// while the market it stands for has not changed. The copy then keeps what it had and adds what the new activation
/// names, so that a failover does not make the gateway drop, then subscribe again, thousands of symbols.
/// </remarks>
internal sealed class IngestedSymbolsWatch(IClusterClient client)
{
    /// <summary>How often the hub refreshes the copy; with the subscribe and the snapshot read, a new symbol reaches
    /// all-symbols clients well within a second.</summary>
    public static TimeSpan Period { get; } = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Copy? _copy;

    /// <summary>Whether a refresh has succeeded yet.</summary>
    public bool Known => _copy is not null;

    /// <summary>The ingested symbols as of the last refresh; empty before the first.</summary>
    public IReadOnlyList<string> Symbols => _copy?.Symbols ?? [];

    public bool Contains(string symbol) => _copy?.Lookup.Contains(symbol) == true;

    /// <summary>Brings the copy up to date; a failure (the ingest grain moving) leaves it as it was and throws.</summary>
    /// <returns>The symbols this refresh added to the copy.</returns>
    public async Task<IReadOnlyList<string>> RefreshAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var held = _copy;
            var change = await client.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey)
                .GetSymbolsSinceAsync(held?.Version ?? SymbolListVersion.None).WaitAsync(timeout, cancellationToken);
            if (change is null) return [];

            var keep = held is not null && (!change.Whole || (change.Discovered && held.Discovered));
            var added = held is null ? change.Symbols : [.. change.Symbols.Where(s => !held.Lookup.Contains(s))];
            IReadOnlyList<string> symbols = keep ? [.. held!.Symbols, .. added] : change.Symbols;
            _copy = new Copy(change.Version, symbols, new HashSet<string>(symbols, StringComparer.Ordinal), change.Discovered);
            return added;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private sealed record Copy(SymbolListVersion Version, IReadOnlyList<string> Symbols, HashSet<string> Lookup, bool Discovered);
}
