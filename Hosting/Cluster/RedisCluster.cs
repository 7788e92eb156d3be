using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using QuoteCluster.Configuration;
using QuoteCluster.Logging;
using QuoteCluster.Storage;
using StackExchange.Redis;

namespace QuoteCluster.Hosting;

/// <summary>CLUSTER_MODE=redis: how silos and gateways on many hosts form one cluster through Redis.</summary>
public static class RedisCluster
{
    /// <summary>
    /// How long a silo that stops answering probes stays a member. Orleans' defaults (5 s probes, 3 missed) take
    /// 15 s and more to declare a killed silo dead; the ingest feed must be back within 15 s, so probe every 2 s.
    /// </summary>
    public static TimeSpan ProbeTimeout { get; } = TimeSpan.FromSeconds(2);

    public static ISiloBuilder UseRedisCluster(this ISiloBuilder silo, QuoteClusterOptions options)
    {
        var redis = Parse(options);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ServiceId = options.OrleansServiceId;
            o.ClusterId = options.OrleansClusterId;
        });
        if (options.PodName is { } name)
        {
            silo.Configure<SiloOptions>(o => o.SiloName = name);
        }

        // Listen on every interface (a pod's), advertise the pod IP so other pods and the gateway reach this one.
        if (options.PodIp is { } ip)
        {
            silo.ConfigureEndpoints(ip, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
        }
        else
        {
            silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort, AddressFamily.InterNetwork, listenOnAnyHostAddress: true);
        }

        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = ProbeTimeout;
            o.MinProbeTimeout = ProbeTimeout / 2;
            o.MaxProbeTimeout = ProbeTimeout * 4;
        });
        silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
        silo.UseRedisReminderService(o => o.ConfigurationOptions = redis);
        silo.AddRedisGrainStorage(StorageNames.Grains, o => o.ConfigurationOptions = redis);
        silo.AddRedisGrainStorage(StorageNames.PubSub, o => o.ConfigurationOptions = redis);
        return silo;
    }

    public static IClientBuilder UseRedisCluster(this IClientBuilder client, QuoteClusterOptions options)
    {
        var redis = Parse(options);
        client.Configure<ClusterOptions>(o =>
        {
            o.ServiceId = options.OrleansServiceId;
            o.ClusterId = options.OrleansClusterId;
        });

        // The default (one minute) leaves a gateway on a replaced pod unknown to this client for too long.
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(10));
        client.UseRedisClustering(o => o.ConfigurationOptions = redis);
        client.Services.AddSingleton<IClientConnectionRetryFilter, WaitForSilos>();
        return client;
    }

    private static ConfigurationOptions Parse(QuoteClusterOptions options)
    {
        ConfigurationOptions redis;
        try
        {
            redis = ConfigurationOptions.Parse(options.RedisConnectionString!);
        }
        catch (ArgumentException e)
        {
            throw new InvalidConfigurationException(
                $"Invalid configuration: REDIS_CONNECTION_STRING is not a StackExchange.Redis configuration string ({e.Message}); expected host:port[,password=...][,ssl=true].");
        }

        if (options.RedisPassword is { } password)
        {
            redis.Password = password;
        }

        // Keep retrying instead of failing start-up when Redis comes up after the silos (a fresh Kubernetes namespace).
        redis.AbortOnConnectFail = false;
        return redis;
    }

    /// <summary>
    /// A gateway started before any silo (or during a full restart) keeps trying rather than exiting, so a Kubernetes
    /// rollout does not crash-loop the Api while the silos come up.
    /// </summary>
    private sealed class WaitForSilos(ILogger<WaitForSilos> logger, IHostApplicationLifetime lifetime) : IClientConnectionRetryFilter
    {
        private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested) return false;
            Log.ClusterUnreachable(logger, exception.Message, RetryDelay.TotalSeconds);
            await Task.Delay(RetryDelay, cancellationToken);
            return true;
        }
    }
}
