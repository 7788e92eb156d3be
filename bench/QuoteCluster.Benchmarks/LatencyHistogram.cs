namespace QuoteCluster.Benchmarks;

/// <summary>Lock-free latency counts in 0.1 ms buckets up to 10 s; enough resolution for p50/p99 of a pipeline.</summary>
internal sealed class LatencyHistogram
{
    private const double BucketMs = 0.1;
    private readonly long[] _buckets = new long[100_000];
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Record(double milliseconds)
    {
        var bucket = (int)Math.Clamp(milliseconds / BucketMs, 0, _buckets.Length - 1);
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Increment(ref _count);
    }

    public void Reset()
    {
        Array.Clear(_buckets);
        Interlocked.Exchange(ref _count, 0);
    }

    public double Percentile(double p)
    {
        var target = (long)Math.Ceiling(Count * p);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= target && target > 0) return (i + 1) * BucketMs;
        }

        return double.NaN;
    }
}
