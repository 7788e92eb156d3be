using Orleans.TestingHost;

namespace QuoteCluster.Tests.Support;

/// <summary>A one-silo cluster with the default settings, for a test class that only looks into a silo.</summary>
public sealed class OneSiloCluster : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>The silo's own services.</summary>
    public IServiceProvider Silo => Cluster.Silos[0].ServiceProvider;

    public async Task InitializeAsync() => Cluster = await QuoteClusterTestCluster.StartAsync(1, QuoteClusterTestCluster.Options(), store: null);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
