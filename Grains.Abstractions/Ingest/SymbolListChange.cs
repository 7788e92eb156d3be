namespace QuoteCluster.Ingest;

/// <summary>Which list of ingested symbols a caller holds: the ingest grain's activation, and its changes there.</summary>
/// <remarks>
/// Under MONITORED_SYMBOLS=* the list only grows within an activation, so its changes are its length, and a caller is
/// sent only what was added after it.
/// </remarks>
[GenerateSerializer, Immutable, Alias("QuoteCluster.SymbolListVersion")]
public sealed record SymbolListVersion([property: Id(0)] Guid Activation, [property: Id(1)] long Changes)
{
    /// <summary>What a caller holds before its first answer: no activation's, so the answer is the whole list.</summary>
    public static SymbolListVersion None { get; } = new(Guid.Empty, 0);
}

/// <summary>The ingested symbols as of <see cref="Version"/>, whole or only what was added since the caller's version.</summary>
/// <param name="Whole">True: <see cref="Symbols"/> is the whole list. False: the symbols added since the caller's version.</param>
/// <param name="Discovered">
/// The list is what the feed has sent so far (MONITORED_SYMBOLS=*), not a list anyone chose: it can only grow, and it
/// starts empty again when the ingest grain re-activates, while the market it stands for has not changed.
/// </param>
[GenerateSerializer, Immutable, Alias("QuoteCluster.SymbolListChange")]
public sealed record SymbolListChange(
    [property: Id(0)] SymbolListVersion Version,
    [property: Id(1)] IReadOnlyList<string> Symbols,
    [property: Id(2)] bool Whole,
    [property: Id(3)] bool Discovered);
