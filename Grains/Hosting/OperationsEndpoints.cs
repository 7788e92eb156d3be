using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Dashboard;
using QuoteCluster.Configuration;

namespace QuoteCluster.Hosting;

/// <summary>What every QuoteCluster web host serves for operators: the health probe and the Orleans Dashboard.</summary>
public static class OperationsEndpoints
{
    public static IEndpointRouteBuilder MapQuoteClusterOperations(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).ExcludeFromDescription();
        var options = endpoints.ServiceProvider.GetRequiredService<QuoteClusterOptions>();
        if (options.Dashboard && endpoints.ServiceProvider.GetService<Orleans.Runtime.ILocalSiloDetails>() is not null)
        {
            endpoints.MapOrleansDashboard(routePrefix: "/dashboard");
        }

        return endpoints;
    }
}
