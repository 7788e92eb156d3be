namespace QuoteCluster.Quotes;

/// <summary>A quote accepted by its SymbolGrain, stamped with a version that only grows.</summary>
/// <remarks>
/// The version survives re-activation on another silo because it is never below the quote's receive time in ticks,
/// so consumers can drop anything not newer than what they already hold.
/// </remarks>
[GenerateSerializer, Immutable, Alias("QuoteCluster.QuoteUpdate")]
public sealed record QuoteUpdate(
    [property: Id(0)] Quote Quote,
    [property: Id(1)] long Version);
