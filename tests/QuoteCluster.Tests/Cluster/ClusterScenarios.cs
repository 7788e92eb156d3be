using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;
using QuoteCluster.Ingest;
using QuoteCluster.Symbols;

namespace QuoteCluster.Tests.Cluster;

/// <summary>Small helpers shared by the multi-silo tests.</summary>
internal static class ClusterScenarios
{
    public static IIngestGrain Ingest(this InProcessTestCluster cluster) =>
        cluster.Client.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);

    /// <summary>Runs <paramref name="call"/> with a placement hint, so a grain it activates lands on <paramref name="silo"/>.</summary>
    public static async Task<T> OnSilo<T>(SiloAddress silo, Func<Task<T>> call)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            return await call();
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    public static async Task<Dictionary<string, long>> GrainVersions(this InProcessTestCluster cluster, IEnumerable<string> symbols)
    {
        var versions = new Dictionary<string, long>();
        foreach (var symbol in symbols)
        {
            versions[symbol] = (await cluster.Client.GetGrain<ISymbolGrain>(symbol).GetLatestAsync())?.Version ?? 0;
        }

        return versions;
    }

    public static IReadOnlyList<string> Symbols(int count) => [.. Enumerable.Range(0, count).Select(i => $"SYM{i}")];
}
