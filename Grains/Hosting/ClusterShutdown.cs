using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using QuoteCluster.Ingest;
using QuoteCluster.Logging;

namespace QuoteCluster.Hosting;

/// <summary>
/// On SIGTERM or Ctrl-C of the last silo standing: stop the feed, drain received quotes into the SymbolGrains, flush
/// the writes still waiting for their interval, and write the final heartbeat with status=stopped.
/// </summary>
/// <remarks>
/// Registered after the silo, so the host stops it before the silo shuts down and the grains can still be called.
/// A silo that leaves a running cluster does nothing here: its grains re-activate on the survivors.
/// </remarks>
internal sealed class ClusterShutdown(IGrainFactory grains, IClusterMembershipService membership, ILocalSiloDetails silo, ILogger<ClusterShutdown> logger)
    : IHostedService
{
    /// <summary>Keeps the whole stop inside the 10 s the host allows, with room left for the silo's own shutdown.</summary>
    public static TimeSpan Budget { get; } = TimeSpan.FromSeconds(7);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var others = membership.CurrentSnapshot.Members.Values
            .Count(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(silo.SiloAddress));
        if (others > 0)
        {
            Log.Shutdown(logger, $"leaving a cluster of {others + 1} silos; the ingest grain moves to a survivor");
            return;
        }

        try
        {
            await grains.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey).StopAsync("host shutdown").WaitAsync(Budget, cancellationToken);
            Log.Shutdown(logger, "complete");
        }
        catch (Exception e)
        {
            Log.ShutdownIncomplete(logger, "stop ingest", e.Message);
        }
    }
}
