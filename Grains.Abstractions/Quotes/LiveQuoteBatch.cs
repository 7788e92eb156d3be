namespace QuoteCluster.Quotes;

/// <summary>
/// The updates one silo's SymbolGrains published to one live partition while the partition's previous batch was on its
/// way: one stream event for many symbols, each update still in its own symbol's order.
/// </summary>
[GenerateSerializer, Immutable, Alias("QuoteCluster.LiveQuoteBatch")]
public sealed record LiveQuoteBatch([property: Id(0)] QuoteUpdate[] Updates);
