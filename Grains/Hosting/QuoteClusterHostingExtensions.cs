using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using Orleans.Configuration;
using Orleans.Dashboard;
using QuoteCluster.Configuration;
using QuoteCluster.Feeds;
using QuoteCluster.Feeds.Alpaca;
using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Ingest;
using QuoteCluster.Logging;
using QuoteCluster.Observability;
using QuoteCluster.Storage;
using QuoteCluster.Storage.Firestore;
using QuoteCluster.Streams;

namespace QuoteCluster.Hosting;

/// <summary>The one hosting extension the Silo and the Api share: what a QuoteCluster process is made of.</summary>
public static class QuoteClusterHostingExtensions
{
    public const string ServiceId = "quotecluster";

    /// <summary>How long a stop may take; Kubernetes' termination grace period must outlast it.</summary>
    public static TimeSpan ShutdownTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Settings, JSON logs, the clock, bounded shutdown and STOP_AFTER_SECONDS: every process has these.</summary>
    public static QuoteClusterOptions AddQuoteClusterBasics(this IHostApplicationBuilder builder, string role)
    {
        var options = QuoteClusterSettings.Load(builder.Configuration);
        builder.Services.TryAddSingleton(options);
        builder.Services.TryAddKeyedSingleton(QuoteClusterTime.Key, TimeProvider.System);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddHostedService<StopAfterService>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(QuoteClusterMetrics.MeterName, "Microsoft.Orleans", "System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());

        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.FormatterName = JsonLineConsoleFormatter.FormatterName);
        builder.Logging.AddConsoleFormatter<JsonLineConsoleFormatter, ConsoleFormatterOptions>();
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);

        using var startupLogs = LoggerFactory.Create(l => l
            .AddConsole(o => o.FormatterName = JsonLineConsoleFormatter.FormatterName)
            .AddConsoleFormatter<JsonLineConsoleFormatter, ConsoleFormatterOptions>());
        Log.Startup(startupLogs.CreateLogger("QuoteCluster"), role, options.ClusterMode.ToString().ToLowerInvariant(),
            options.StorageMode == StorageMode.DryRun ? "dry-run" : "firestore", options.MarketFeed);
        return options;
    }

    /// <summary>A cluster member: the Silo process, and the Api on the embedded default.</summary>
    public static QuoteClusterOptions AddQuoteClusterSilo(this IHostApplicationBuilder builder, string role = "silo")
    {
        var options = builder.AddQuoteClusterBasics(role);
        builder.UseOrleans(silo =>
        {
            if (options.ClusterMode == ClusterMode.Redis)
            {
                silo.UseRedisCluster(options);
            }
            else
            {
                silo.UseLocalhostClustering(
                    siloPort: options.SiloPort,
                    gatewayPort: options.GatewayPort,
                    serviceId: ServiceId,
                    clusterId: ServiceId);
            }

            silo.AddQuoteCluster(options);
        });
        return options;
    }

    /// <summary>An Orleans client of a cluster of Silo processes (the Api outside the embedded default).</summary>
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
                client.UseLocalhostClustering(gatewayPort: options.GatewayPort, serviceId: ServiceId, clusterId: ServiceId);
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

    /// <summary>Everything a silo needs for QuoteCluster's grains; test clusters call it too, with their own clustering.</summary>
    public static ISiloBuilder AddQuoteCluster(this ISiloBuilder silo, QuoteClusterOptions options)
    {
        if (options.ClusterMode != ClusterMode.Redis)
        {
            // Redis mode keeps these in Redis (UseRedisCluster); everywhere else they live and die with the process.
            silo.AddMemoryGrainStorage(StorageNames.Grains);
            silo.AddMemoryGrainStorage(StorageNames.PubSub);
            silo.UseInMemoryReminderService();
        }

        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(Math.Min(60, options.IngestReminderPeriod.TotalSeconds)));
        silo.AddMemoryStreams(QuoteStreams.Provider, streams =>
        {
            streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            {
                // The defaults (one event per 100 ms poll) add about 200 ms to every update; quotes need less.
                o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(10);
                o.BatchContainerBatchSize = 256;
            }));

            // Quotes are never replayed (consumers re-sync from the grains), so the cache need not keep minutes of
            // events: the defaults (5 to 30 minutes) hold hundreds of MB at tens of thousands of events per second.
            streams.ConfigureCacheEviction(eviction => eviction.Configure(o =>
            {
                o.DataMinTimeInCache = TimeSpan.FromSeconds(2);
                o.DataMaxAgeInCache = TimeSpan.FromSeconds(10);
            }));
        });
        if (options.Dashboard)
        {
            silo.AddDashboard();
        }

        var services = silo.Services;
        services.TryAddSingleton(options);
        services.TryAddKeyedSingleton(QuoteClusterTime.Key, TimeProvider.System);
        services.TryAddSingleton(DocumentPaths.From(options));
        if (options.StorageMode == StorageMode.Firestore)
        {
            // Created now, so missing credentials or project stop start-up with one line instead of failing later.
            services.TryAddSingleton(FirestoreClient.Create(options));
        }

        services.TryAddSingleton(sp => CreateQuoteStore(sp, options));
        services.TryAddSingleton<IMarketDataFeedFactory>(sp => new MarketDataFeedFactory(options,
            sp.GetRequiredKeyedService<TimeProvider>(QuoteClusterTime.Key), sp.GetRequiredService<ILoggerFactory>()));
        if (options.IngestAutoStart)
        {
            services.AddHostedService<IngestKeeper>();
        }

        services.AddHostedService<ClusterShutdown>();
        return silo;
    }

    /// <summary>The store the settings ask for: the dry-run log or Firestore.</summary>
    public static IQuoteStore CreateQuoteStore(IServiceProvider services, QuoteClusterOptions options) => options.StorageMode switch
    {
        StorageMode.DryRun => ActivatorUtilities.CreateInstance<DryRunQuoteStore>(services),
        _ => ActivatorUtilities.CreateInstance<FirestoreQuoteStore>(services, services.GetRequiredKeyedService<TimeProvider>(QuoteClusterTime.Key)),
    };

    private sealed class MarketDataFeedFactory(QuoteClusterOptions options, TimeProvider time, ILoggerFactory loggers) : IMarketDataFeedFactory
    {
        public IMarketDataFeed Create() => options.MarketFeed switch
        {
            MarketFeeds.Simulated => new SimulatedMarketFeed(options.SimulatedQuotesPerSecond, options.SimulatorSeed, time),
            _ => new AlpacaStreamClient(AlpacaSettings(options), time, loggers.CreateLogger<AlpacaStreamClient>()),
        };
    }

    public static AlpacaStreamSettings AlpacaSettings(QuoteClusterOptions options) =>
        new(options.AlpacaStreamUrl, options.AlpacaDataFeed, options.AlpacaKeyId!, options.AlpacaSecretKey!)
        {
            Codec = options.AlpacaCodec == "json" ? AlpacaCodec.Json : AlpacaCodec.MessagePack,
            BackoffBase = options.ReconnectBackoffBase,
            BackoffMax = options.ReconnectBackoffMax,
            SilenceTimeout = options.AlpacaSilenceTimeout,
            ConnectionLimitBackoff = options.AlpacaConnectionLimitBackoff,
        };
}

/// <summary>
/// Runs a host, turning a configuration error into the one clear line CONFIG.md promises, with its stop bounded by
/// <see cref="ShutdownDeadline"/>.
/// </summary>
public static class QuoteClusterProgram
{
    public static async Task<int> RunAsync(Func<IHost> build)
    {
        IHost host;
        try
        {
            host = build();
        }
        catch (InvalidConfigurationException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        using (ShutdownDeadline.Arm(host))
        {
            await host.RunAsync();
        }

        return 0;
    }
}
