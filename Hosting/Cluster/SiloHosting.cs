using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Storage;
using Orleans.Streams;
using QuoteCluster.Configuration;
using QuoteCluster.Feeds;
using QuoteCluster.Ingest;
using QuoteCluster.Security;
using QuoteCluster.Storage;
using QuoteCluster.Storage.Firestore;
using QuoteCluster.Streams;

namespace QuoteCluster.Hosting;

/// <summary>A cluster member: the Silo process, the Api on the embedded default, and test clusters.</summary>
public static class SiloHosting
{
    public const int GrainDirectoryCacheSize = 100_000;

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
                    serviceId: QuoteClusterHostingExtensions.ServiceId,
                    clusterId: QuoteClusterHostingExtensions.ServiceId);
            }

            if (options.OrleansTls is { } tls)
            {
                silo.UseQuoteClusterTls(tls);
            }

            silo.AddQuoteCluster(options);
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

            // Orleans' binary serializer, not the JSON one Orleans defaults to: every state write is serialized even in
            // memory, and the JSON serializer is Newtonsoft.Json, which the process would run for nothing else (about
            // 900 methods to compile). It replaces the default for the whole silo, because the memory storage builds
            // the default even when its options name another. Redis keeps the default, so the states it holds still read.
            silo.Services.AddSingleton<IGrainStorageSerializer>(
                sp => new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>()));
        }

        // Orleans sizes its two directory caches for a million grains up front (19 MB of live heap); a tenth of that
        // still covers MAX_SYMBOLS at its ceiling of 100,000, and a miss costs one directory look-up, not an error.
        silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = GrainDirectoryCacheSize);
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(Math.Min(60, options.IngestReminderPeriod.TotalSeconds)));
        silo.AddMemoryStreams(QuoteStreams.Provider, streams =>
        {
            streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            {
                // Our queues answer a read as events arrive, so the poll only restarts reading after a quiet spell or
                // a failed read; Orleans' default (100 ms) would then cost the first update that much.
                o.GetQueueMsgsTimerPeriod = options.StreamPollInterval;
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

        // Our waiting queue grain and its adapter serve the memory streams in place of Orleans' own
        // (WaitingStreamQueueGrain says why). The grain keeps Orleans' grain type, and a silo may host only one class
        // of a type; the adapter is registered after the memory streams' own, so the provider resolves it.
        silo.Services.PostConfigure<GrainTypeOptions>(o => o.Classes.Remove(typeof(Orleans.Providers.MemoryStreamQueueGrain)));
        silo.Services.AddKeyedSingleton<IQueueAdapterFactory>(QuoteStreams.Provider,
            (sp, _) => WaitingMemoryAdapterFactory.Create(sp, QuoteStreams.Provider));

        if (options.Dashboard)
        {
            silo.AddDashboard();
        }

        var services = silo.Services;
        services.TryAddSingleton(options);
        services.TryAddKeyedSingleton(QuoteClusterTime.Key, TimeProvider.System);
        services.TryAddSingleton(DocumentPaths.From(options));
        services.TryAddSingleton<LiveQuotePublisher>();
        if (options.StorageMode == StorageMode.Firestore)
        {
            // Created now, so missing credentials or project stop start-up with one line instead of failing later.
            services.TryAddSingleton(FirestoreClient.Create(options));
        }

        services.TryAddSingleton(sp => QuoteStores.Create(sp, options));
        services.TryAddSingleton<IMarketDataFeedFactory>(sp => new MarketDataFeedFactory(options,
            sp.GetRequiredKeyedService<TimeProvider>(QuoteClusterTime.Key), sp.GetRequiredService<ILoggerFactory>()));
        if (options.IngestAutoStart)
        {
            services.AddHostedService<IngestKeeper>();
        }

        services.AddHostedService<ClusterShutdown>();
        return silo;
    }
}
