namespace QuoteCluster.Api;

public sealed record SymbolsView(IReadOnlyList<string> Symbols);
