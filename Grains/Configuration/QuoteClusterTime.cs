namespace QuoteCluster.Configuration;

/// <summary>The clock of QuoteCluster's own code, registered as a keyed service.</summary>
/// <remarks>
/// Keyed so that a test can put a FakeTimeProvider under this key without also stopping the clock that the Orleans
/// runtime's own loops (membership, directory, streams) read; replacing the global TimeProvider hangs a silo.
/// </remarks>
public static class QuoteClusterTime
{
    public const string Key = "quotecluster";
}

public static class StorageNames
{
    /// <summary>Grain state: the ingest grain's run-time symbol list.</summary>
    public const string Grains = "quotecluster";

    /// <summary>The stream pub-sub state Orleans keeps for every stream provider.</summary>
    public const string PubSub = "PubSubStore";
}
