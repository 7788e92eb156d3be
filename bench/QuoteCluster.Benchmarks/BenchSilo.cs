using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QuoteCluster.Configuration;
using QuoteCluster.Hosting;

namespace QuoteCluster.Benchmarks;

/// <summary>One in-process silo on the production configuration, on free loopback ports, without console logs.</summary>
internal static class BenchSilo
{
    public static QuoteClusterOptions Options(params (string Key, string Value)[] settings) =>
        QuoteClusterSettings.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build()) with { SiloPort = FreePort(), GatewayPort = FreePort() };

    public static async Task<IHost> StartAsync(QuoteClusterOptions options, Action<IServiceCollection> services)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(options);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: "bench", clusterId: "bench");
            silo.AddQuoteCluster(options);
        });
        services(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
