using Orleans.Providers;

namespace QuoteCluster.Tests.Support;

/// <summary>
/// While switched on, the memory streams' pulling agents get their events that much later, as from a loaded silo:
/// each of their reads from a stream queue is held before it runs. Publishing is not touched.
/// </summary>
public sealed class StreamDeliveryDelay : IIncomingGrainCallFilter
{
    private TimeSpan _delay;

    public void Hold(TimeSpan delay) => _delay = delay;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType == typeof(IMemoryStreamQueueGrain)
            && context.InterfaceMethod.Name == nameof(IMemoryStreamQueueGrain.Dequeue) && _delay > TimeSpan.Zero)
        {
            await Task.Delay(_delay);
        }

        await context.Invoke();
    }
}
