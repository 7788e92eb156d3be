namespace QuoteCluster.Symbols;

/// <summary>A change to the symbol list while the feed ingests every symbol (MONITORED_SYMBOLS=*); nothing was changed.</summary>
[GenerateSerializer, Alias("QuoteCluster.AllSymbolsIngestedException")]
public sealed class AllSymbolsIngestedException(string message) : InvalidOperationException(message)
{
    public const string Explanation =
        "The feed ingests every symbol (MONITORED_SYMBOLS=*): symbols appear as the market sends them and cannot be added or removed at run time; list symbols in MONITORED_SYMBOLS to choose them.";
}
