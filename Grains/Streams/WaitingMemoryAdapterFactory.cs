using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Streams;

namespace QuoteCluster.Streams;

/// <summary>
/// Orleans' memory stream adapter, whose receivers answer a read cancelled by its stopping pulling agent with no
/// events instead of an error.
/// </summary>
/// <remarks>
/// A read of a <see cref="WaitingStreamQueueGrain"/> is nearly always waiting, so an agent that stops (at every shutdown
/// and every rebalance of the queues) nearly always cancels one, and the agent logs each failed read as an error:
/// eight error lines at every Ctrl-C of the embedded default, with as many from the receiver itself, which the host's
/// logging leaves out. The read must still be cancelled: left to run, it takes the next events out of the queue and
/// the stopped agent drops them.
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
    IQueueAdapterReceiver IQueueAdapter.CreateReceiver(QueueId queueId) => new QuietlyCancelledReads(CreateReceiver(queueId));

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
