using QuoteCluster.Configuration;

namespace QuoteCluster.Storage;

/// <summary>Where our users' UIs look: `tenants/{TENANT_ID}/{collection}/{SYMBOL}` and `tenants/{TENANT_ID}/ops/market_ingest`.</summary>
public sealed class DocumentPaths(string tenantId, string liveQuotesCollection)
{
    /// <summary>The tenant in the dry run's logged paths when TENANT_ID is unset, so that they still read as real document paths.</summary>
    public const string DryRunTenant = "local";

    public static DocumentPaths From(QuoteClusterOptions options) =>
        new(options.TenantId ?? DryRunTenant, options.LiveQuotesCollection);

    public string Quote(string symbol) => $"tenants/{tenantId}/{liveQuotesCollection}/{DocumentId(symbol)}";

    public string Heartbeat => $"tenants/{tenantId}/ops/market_ingest";

    /// <summary>
    /// Firestore ids may not contain '/'. Symbols never contain '_' (see Symbol), so mapping '/' to '_' is one-to-one:
    /// BTC/USD and a hypothetical BTC.USD stay distinct documents.
    /// </summary>
    public static string DocumentId(string symbol) => symbol.Replace('/', '_');
}
