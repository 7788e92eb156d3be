using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Streams;

namespace QuoteCluster.Streams;

/// <summary>
/// Orleans' memory stream adapter, whose receivers read their queues without the pulling agent's cancellation token.
/// </summary>
/// <remarks>
/// A read of a <see cref="WaitingStreamQueueGrain"/> is nearly always waiting, so when an agent stops (at every shutdown
/// and every rebalance of the queues) it would be cancelled, and Orleans logs each cancelled read twice as an error:
/// sixteen error lines at every Ctrl-C of the embedded default. Left uncancelled, the read ends within the queue's
/// bound, which is all a stop then waits for.
/// </remarks>
public sealed class WaitingMemoryAdapterFactory(
    string providerName,
    StreamCacheEvictionOptions cacheOptions,
    StreamStatisticOptions statisticOptions,
    HashRingStreamQueueMapperOptions queueMapperOptions,
    IServiceProvider services,
    IGrainFactory grainFactory,
    Microsoft.Extensions.Logging.ILoggerFactory loggerFactory)
    : MemoryAdapterFactory<DefaultMemoryMessageBodySerializer>(providerName, cacheOptions, statisticOptions, queueMapperOptions, services, grainFactory, loggerFactory),
        IQueueAdapter
{
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
    IQueueAdapterReceiver IQueueAdapter.CreateReceiver(QueueId queueId) => new UncancelledReads(CreateReceiver(queueId));

    private sealed class UncancelledReads(IQueueAdapterReceiver receiver) : IQueueAdapterReceiver
    {
        public Task Initialize(TimeSpan timeout) => receiver.Initialize(timeout, CancellationToken.None);

        public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken) => receiver.Initialize(timeout, cancellationToken);

        public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => receiver.GetQueueMessagesAsync(maxCount, CancellationToken.None);

        public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken) =>
            receiver.GetQueueMessagesAsync(maxCount, CancellationToken.None);

        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => receiver.MessagesDeliveredAsync(messages, CancellationToken.None);

        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) =>
            receiver.MessagesDeliveredAsync(messages, cancellationToken);

        public Task Shutdown(TimeSpan timeout) => receiver.Shutdown(timeout, CancellationToken.None);

        public Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken) => receiver.Shutdown(timeout, cancellationToken);
    }
}
