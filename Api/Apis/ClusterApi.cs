using Microsoft.AspNetCore.Http.HttpResults;
using QuoteCluster.Security;

namespace QuoteCluster.Api;

/// <summary>Which silos form the cluster and what each hosts: how an operator sees that symbols spread and where the feed runs.</summary>
public static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/cluster", GetClusterAsync).WithTags("Status")
            .WithSummary("The cluster's silos, their membership status, how many symbol grains each hosts, and which runs the ingest feed.")
            .RequireAuthorization(QuoteClusterPolicies.Admin);
        return endpoints;
    }

    internal static async Task<Results<Ok<ClusterView>, JsonHttpResult<ClusterView>>> GetClusterAsync(IClusterClient cluster)
    {
        try
        {
            var management = cluster.GetGrain<IManagementGrain>(0);
            var hosts = await management.GetDetailedHosts(onlyActive: false).WaitAsync(StatusApi.ClusterTimeout);
            var statistics = await management.GetSimpleGrainStatistics().WaitAsync(StatusApi.ClusterTimeout);
            var ingest = await StatusApi.ReadFeedStatusAsync(cluster);
            var silos = hosts
                .Where(h => h.Status != SiloStatus.Dead)
                .OrderBy(h => h.SiloName, StringComparer.Ordinal)
                .Select(h => new SiloView(
                    h.SiloName,
                    h.SiloAddress.ToString(),
                    h.Status.ToString().ToLowerInvariant(),
                    statistics.Where(s => s.SiloAddress.Equals(h.SiloAddress) && IsGrainClass(s.GrainType, "SymbolGrain")).Sum(s => s.ActivationCount),
                    ingest.Silo == h.SiloAddress.ToString()))
                .ToArray();
            return TypedResults.Ok(new ClusterView(silos, hosts.Count(h => h.Status == SiloStatus.Dead)));
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
        {
            return TypedResults.Json(new ClusterView([], 0, $"cluster unreachable: {e.Message}"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static bool IsGrainClass(string grainType, string className) =>
        grainType.Split(',')[0].EndsWith("." + className, StringComparison.Ordinal);
}
