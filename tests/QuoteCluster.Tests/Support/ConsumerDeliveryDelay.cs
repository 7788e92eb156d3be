namespace QuoteCluster.Tests.Support;

/// <summary>
/// While switched on, each stream event a silo's pulling agent delivers to a client's subscription arrives that much
/// later, as through a loaded gateway: the stream still delivers every event, behind the grain that published it.
/// Grains' own subscriptions and grain calls are not touched.
/// </summary>
public sealed class ConsumerDeliveryDelay : IOutgoingGrainCallFilter
{
    private TimeSpan _delay;

    public void Hold(TimeSpan delay) => _delay = delay;

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        // Matched by name and by the client's grain type: both the interface and ClientGrainId are internal to Orleans.
        if (_delay > TimeSpan.Zero && context.InterfaceMethod?.DeclaringType?.Name == "IStreamConsumerExtension"
            && context.TargetId.Type.ToString().StartsWith("sys.client", StringComparison.Ordinal))
        {
            await Task.Delay(_delay);
        }

        await context.Invoke();
    }
}
