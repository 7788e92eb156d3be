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
    /// <param name="policy">
    /// The policy `/metrics` and `/dashboard` require (admin); null leaves them open (a Silo process without API_TOKEN,
    /// which warns about it).
    /// </param>
    public static IEndpointRouteBuilder MapQuoteClusterOperations(this IEndpointRouteBuilder endpoints, string? policy)
    {
        endpoints.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).ExcludeFromDescription();

        // Prometheus scrapes /metrics with the admin token (authorization: {credentials: ...} in its scrape config).
        Protect(endpoints.MapPrometheusScrapingEndpoint("/metrics"), policy);
        var options = endpoints.ServiceProvider.GetRequiredService<QuoteClusterOptions>();
        if (options.Dashboard)
        {
            Protect(endpoints.MapOrleansDashboard(routePrefix: "/dashboard"), policy);
        }

        return endpoints;
    }

    private static void Protect(IEndpointConventionBuilder endpoints, string? policy)
    {
        if (policy is not null) endpoints.RequireAuthorization(policy);
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
