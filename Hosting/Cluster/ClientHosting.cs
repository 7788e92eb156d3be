using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;
using QuoteCluster.Configuration;
using QuoteCluster.Security;
using QuoteCluster.Streams;

namespace QuoteCluster.Hosting;

/// <summary>An Orleans client of a cluster of Silo processes: the Api outside the embedded default.</summary>
public static class ClientHosting
{
    public static QuoteClusterOptions AddQuoteClusterClient(this IHostApplicationBuilder builder, string role = "gateway")
    {
        var options = builder.AddQuoteClusterBasics(role);
        builder.UseOrleansClient(client =>
        {
            if (options.ClusterMode == ClusterMode.Redis)
            {
                client.UseRedisCluster(options);
            }
            else
            {
                client.UseLocalhostClustering(gatewayPort: options.GatewayPort,
                    serviceId: QuoteClusterHostingExtensions.ServiceId, clusterId: QuoteClusterHostingExtensions.ServiceId);
            }

            if (options.OrleansTls is { } tls)
            {
                client.UseQuoteClusterTls(tls);
            }

            client.AddMemoryStreams(QuoteStreams.Provider);
            if (options.Dashboard)
            {
                // The gateway serves the cluster's dashboard too (behind its token), so operators need no silo port.
                client.AddDashboard();
            }
        });
        return options;
    }
}
