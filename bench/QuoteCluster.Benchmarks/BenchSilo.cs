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
    /// <summary>
    /// What every benchmark silo runs on unless a run says otherwise: the in-process simulated feed (SIMULATED_QUOTES_PER_SEC
    /// quotes/s, no network), not the product's default of the Alpaca client, whose free plan caps MAX_SYMBOLS at 30.
    /// </summary>
    private static readonly (string Key, string Value)[] Defaults = [("MARKET_FEED", "simulated")];

    /// <summary>
    /// The settings as the product reads them: <see cref="Defaults"/>, then the environment (so a knob such as
    /// INGEST_BATCH_INTERVAL_MS can be tried without a rebuild), then the run's own (which win).
    /// </summary>
    public static QuoteClusterOptions Options(params (string Key, string Value)[] settings)
    {
        static IEnumerable<KeyValuePair<string, string?>> Pairs(IEnumerable<(string Key, string Value)> pairs) =>
            pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(Pairs(Defaults))
            .AddEnvironmentVariables()
            .AddInMemoryCollection(Pairs(settings))
            .Build();
        return QuoteClusterSettings.Load(configuration) with { SiloPort = FreePort(), GatewayPort = FreePort() };
    }

    /// <summary>Monitors exactly these symbols, with MAX_SYMBOLS set to their count so the feed's limit admits a run of any size.</summary>
    public static (string Key, string Value)[] Symbols(IReadOnlyList<string> names) =>
        [("MONITORED_SYMBOLS", string.Join(',', names)), ("MAX_SYMBOLS", names.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))];

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
