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

    /// <summary>The latency and batching knobs a run takes from the environment, so they can be tried without a rebuild.</summary>
    private static readonly string[] Tunables =
        ["INGEST_BATCH_INTERVAL_MS", "STREAM_POLL_INTERVAL_MS", "INGEST_MAX_IN_FLIGHT", "LIVE_RESYNC_INTERVAL_S", "LIVE_RESYNC_MAX_READS", "PER_SYMBOL_MIN_INTERVAL_MS"];

    /// <summary>
    /// The settings as the product reads them: <see cref="Defaults"/>, then the <see cref="Tunables"/> set in the
    /// environment (printed, so a figure never comes from a knob nobody saw), then the run's own (which win). Nothing
    /// else is read from the environment: a shell's leftover CLUSTER_MODE or FIRESTORE_EMULATOR_HOST must not change a run.
    /// </summary>
    public static QuoteClusterOptions Options(params (string Key, string Value)[] settings)
    {
        var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in Defaults) merged[key] = value;
        foreach (var name in Tunables)
        {
            if (Environment.GetEnvironmentVariable(name) is not { } value) continue;
            merged[name] = value;
            Console.Error.WriteLine($"from the environment: {name}={value}");
        }

        foreach (var (key, value) in settings) merged[key] = value;
        return QuoteClusterSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(merged).Build())
            with { SiloPort = LoopbackPort.Free(), GatewayPort = LoopbackPort.Free() };
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
}
