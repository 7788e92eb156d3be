namespace QuoteCluster.Storage;

/// <summary>The cluster-wide token bucket for quote writes (GLOBAL_WRITES_PER_SEC, GLOBAL_BURST).</summary>
[Alias("QuoteCluster.IWriteBudgetGrain")]
public interface IWriteBudgetGrain : IGrainWithIntegerKey
{
    public const long SingletonKey = 0;

    /// <summary>Grants up to <paramref name="wanted"/> writes at once, never waiting; zero when the bucket is empty.</summary>
    [Alias("Acquire")]
    Task<int> AcquireAsync(int wanted);
}
