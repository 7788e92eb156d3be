using QuoteCluster.Ingest;

namespace QuoteCluster.Tests.Support;

/// <summary>Counts the calls the ingest grain (the cluster's singleton) gets for its status.</summary>
public sealed class IngestStatusCalls : IIncomingGrainCallFilter
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType == typeof(IIngestGrain) && context.InterfaceMethod.Name == nameof(IIngestGrain.GetStatusAsync))
        {
            Interlocked.Increment(ref _count);
        }

        return context.Invoke();
    }
}
