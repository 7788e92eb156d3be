using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Dashboard;
using Orleans.Runtime;
using QuoteCluster.Configuration;

namespace QuoteCluster.Hosting;

/// <summary>What every QuoteCluster web host serves for operators: the health probe and the Orleans Dashboard.</summary>
public static class OperationsEndpoints
{
    public static IEndpointRouteBuilder MapQuoteClusterOperations(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).ExcludeFromDescription();

        // Prometheus scrapes /metrics with the same bearer token as the API (ApiTokenMiddleware).
        endpoints.MapPrometheusScrapingEndpoint("/metrics");
        var options = endpoints.ServiceProvider.GetRequiredService<QuoteClusterOptions>();
        if (options.Dashboard)
        {
            endpoints.MapOrleansDashboard(routePrefix: "/dashboard");
        }

        return endpoints;
    }

    /// <summary>
    /// A silo process's readiness probe: ready once this silo is an active cluster member, so Kubernetes holds a rollout
    /// until the new pod has joined and sends no traffic to one that is leaving.
    /// </summary>
    public static IEndpointRouteBuilder MapSiloReadiness(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/readyz", (IClusterMembershipService membership, ILocalSiloDetails silo) =>
        {
            var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
            var body = new { status = status == SiloStatus.Active ? "ready" : "unready", silo = silo.Name, membership = status.ToString().ToLowerInvariant() };
            return status == SiloStatus.Active ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).ExcludeFromDescription();
        return endpoints;
    }
}
