using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;
using QuoteCluster.Logging;

namespace QuoteCluster.Streams;

/// <summary>
/// Orleans' memory stream adapter, whose receivers answer a read cancelled by its stopping pulling agent with no
/// events instead of an error, and whose caches hold events in buffers of <see cref="CacheBufferBytes"/> and record
/// them in blocks of <see cref="CachedMessageBlockSize.EntriesPerBlock"/>.
/// </summary>
/// <remarks>
/// A read of a <see cref="WaitingStreamQueueGrain"/> is nearly always waiting, so an agent that stops (at every shutdown
/// and every rebalance of the queues) nearly always cancels one, and the agent logs each failed read as an error:
/// eight error lines at every Ctrl-C of the embedded default, with as many from the receiver itself, which the host's
/// logging leaves out. The read must still be cancelled: left to run, it takes the next events out of the queue and
/// the stopped agent drops them.
/// </remarks>
public sealed class WaitingMemoryAdapterFactory : MemoryAdapterFactory<DefaultMemoryMessageBodySerializer>,
    IQueueAdapter, IQueueAdapterCache
{
    /// <summary>The size of the buffers that hold the cached events' bytes.</summary>
    /// <remarks>
    /// Orleans' own are 1 MB, and every queue's cache holds at least one, so the eight queues kept 8 MB on the large
    /// object heap of an idle process. An event is a write of one quote, or a batch of at most
    /// <see cref="LiveQuotePublisher.MaxBatchUpdates"/> live updates, and under load the cache holds as many bytes in
    /// small buffers as in large ones; these stay below the large object threshold. An event larger than a buffer cannot
    /// be cached: the pulling agent's read fails and logs it, and that read's events are not delivered.
    /// </remarks>
    public const int CacheBufferBytes = 64 * 1024;

    private readonly StreamCacheEvictionOptions _cacheOptions;
    private readonly StreamStatisticOptions _statisticOptions;
    private readonly ILoggerFactory _loggerFactory;
    private readonly DefaultMemoryMessageBodySerializer _serializer;

    // The caches are made again at every start and rebalance of the pulling agents; one warning says it for all.
    private int _largeBlocksReported;

    // Made with the first cache, not in the constructor: its monitor comes from the factory Init sets afterwards.
    private readonly Lazy<(IObjectPool<FixedSizeBuffer> Buffers, string PoolId)> _cacheBuffers;

    public WaitingMemoryAdapterFactory(
        string providerName,
        StreamCacheEvictionOptions cacheOptions,
        StreamStatisticOptions statisticOptions,
        HashRingStreamQueueMapperOptions queueMapperOptions,
        IServiceProvider services,
        IGrainFactory grainFactory,
        ILoggerFactory loggerFactory)
        : base(providerName, cacheOptions, statisticOptions, queueMapperOptions, services, grainFactory, loggerFactory)
    {
        _cacheOptions = cacheOptions;
        _statisticOptions = statisticOptions;
        _loggerFactory = loggerFactory;
        _serializer = services.GetService<DefaultMemoryMessageBodySerializer>()
            ?? ActivatorUtilities.CreateInstance<DefaultMemoryMessageBodySerializer>(services);
        _cacheBuffers = new(() =>
        {
            // Monitored as Orleans monitors its own pool, so the block pool's metrics stay.
            var poolId = $"BlockPool-{Guid.NewGuid()}";
            var monitor = (BlockPoolMonitorFactory ?? throw new InvalidOperationException("The factory is used before Init."))(
                new BlockPoolMonitorDimensions(poolId));
            var buffers = new ObjectPool<FixedSizeBuffer>(() => new FixedSizeBuffer(CacheBufferBytes),
                new ObjectPoolMonitorBridge(monitor, CacheBufferBytes), _statisticOptions.StatisticMonitorWriteInterval);
            return (buffers, poolId);
        });
    }

    public static new WaitingMemoryAdapterFactory Create(IServiceProvider services, string name)
    {
        var factory = ActivatorUtilities.CreateInstance<WaitingMemoryAdapterFactory>(services, name,
            services.GetOptionsByName<StreamCacheEvictionOptions>(name),
            services.GetOptionsByName<StreamStatisticOptions>(name),
            services.GetOptionsByName<HashRingStreamQueueMapperOptions>(name));
        factory.Init();
        return factory;
    }

    // The adapter is this factory (its CreateAdapter returns itself), and the base's method is not virtual.
    IQueueAdapterReceiver IQueueAdapter.CreateReceiver(QueueId queueId) => new QuietlyCancelledReads(CreateReceiver(queueId));

    // The base's method is public but not virtual: a caller holding this class must get the small buffers too.
    public new IQueueCache CreateQueueCache(QueueId queueId) => ((IQueueAdapterCache)this).CreateQueueCache(queueId);

    // Orleans' cache as the base builds it, over buffers of CacheBufferBytes, with small blocks.
    IQueueCache IQueueAdapterCache.CreateQueueCache(QueueId queueId)
    {
        var (buffers, poolId) = _cacheBuffers.Value;
        var cache = new MemoryPooledCache<DefaultMemoryMessageBodySerializer>(
            buffers,
            new TimePurgePredicate(_cacheOptions.DataMinTimeInCache, _cacheOptions.DataMaxAgeInCache),
            _loggerFactory.CreateLogger($"{typeof(MemoryPooledCache<DefaultMemoryMessageBodySerializer>).FullName}.{Name}.{queueId}"),
            _serializer,
            (CacheMonitorFactory ?? throw new InvalidOperationException("The factory is used before Init."))(
                new CacheMonitorDimensions(queueId.ToString(), poolId)),
            _statisticOptions.StatisticMonitorWriteInterval,
            _cacheOptions.MetadataMinTimeInCache);
        if (!CachedMessageBlockSize.TryUseSmallBlocks(cache) && Interlocked.Exchange(ref _largeBlocksReported, 1) == 0)
        {
            Log.StreamCacheBlocksUnchanged(_loggerFactory.CreateLogger<WaitingMemoryAdapterFactory>(), queueId.ToString());
        }

        return cache;
    }

    private sealed class QuietlyCancelledReads(IQueueAdapterReceiver receiver) : IQueueAdapterReceiver
    {
        public Task Initialize(TimeSpan timeout) => receiver.Initialize(timeout, CancellationToken.None);

        public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken) => receiver.Initialize(timeout, cancellationToken);

        public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

        public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
        {
            try
            {
                return await receiver.GetQueueMessagesAsync(maxCount, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return [];
            }
        }

        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => receiver.MessagesDeliveredAsync(messages, CancellationToken.None);

        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) =>
            receiver.MessagesDeliveredAsync(messages, cancellationToken);

        public Task Shutdown(TimeSpan timeout) => receiver.Shutdown(timeout, CancellationToken.None);

        public Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken) => receiver.Shutdown(timeout, cancellationToken);
    }
}
