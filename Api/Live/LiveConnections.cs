namespace QuoteCluster.Api.Live;

/// <summary>The gateway's streaming clients: how many, and the limit (API_MAX_CONNECTIONS).</summary>
public sealed class LiveConnections(int limit)
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public int Limit => limit;

    /// <summary>Takes a slot; false when the gateway is full. Dispose the returned lease to give it back.</summary>
    public bool TryEnter(out IDisposable lease)
    {
        if (Interlocked.Increment(ref _count) > limit)
        {
            Interlocked.Decrement(ref _count);
            lease = null!;
            return false;
        }

        lease = new Lease(this);
        return true;
    }

    private sealed class Lease(LiveConnections owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref owner._count);
        }
    }
}
