using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QuoteCluster.Ingest;
using QuoteCluster.Logging;

namespace QuoteCluster.Hosting;

/// <summary>
/// On SIGTERM or Ctrl-C: tell the ingest grain this silo is leaving. When every active silo has said so (the last silo
/// standing, or a whole Deployment deleted at once), the grain stops the feed, drains received quotes into the
/// SymbolGrains, flushes the writes still waiting for their interval, and writes the final heartbeat with
/// status=stopped. A silo leaving a cluster that stays does nothing more: its grains re-activate on the survivors.
/// </summary>
/// <remarks>
/// Registered after the silo, so the host stops it before the silo shuts down and the grains can still be called.
/// Counting announcements rather than members matters when all silos get SIGTERM together: each still sees the others
/// as active, and none would otherwise take itself for the last one.
/// </remarks>
internal sealed class ClusterShutdown(IGrainFactory grains, ILocalSiloDetails silo, ILogger<ClusterShutdown> logger)
    : IHostedService
{
    /// <summary>Keeps the whole stop inside the 10 s the host allows, with room left for the silo's own shutdown.</summary>
    public static TimeSpan Budget { get; } = TimeSpan.FromSeconds(7);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>How long a silo that is not the last waits to see whether the rest of the cluster is stopping too.</summary>
    public static TimeSpan OthersWindow { get; } = TimeSpan.FromSeconds(2);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Wall-clock on purpose: the host's shutdown timeout is, whatever clock the grains run on (tests fake it).
        var time = TimeProvider.System;
        var ingest = grains.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);
        var started = time.GetTimestamp();
        try
        {
            if (await ingest.SiloLeavingAsync(silo.SiloAddress).WaitAsync(Budget, cancellationToken))
            {
                Log.Shutdown(logger, "complete: the last silo stopped the feed and wrote the final heartbeat");
                return;
            }

            // If the others are stopping too, the last of them is about to drain and flush through grains that may live
            // here: stay up until it is done. The status call queues behind that stop on the non-reentrant grain.
            while (time.GetElapsedTime(started) < Budget)
            {
                var status = await ingest.GetStatusAsync().WaitAsync(Budget - time.GetElapsedTime(started), time, cancellationToken);
                if (status.State == FeedState.Stopped)
                {
                    Log.Shutdown(logger, "complete: the cluster stopped the feed and wrote the final heartbeat");
                    return;
                }

                if (time.GetElapsedTime(started) > OthersWindow) break;
                await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
            }

            Log.Shutdown(logger, "leaving a cluster that stays; the ingest grain moves to a survivor if it was here");
        }
        catch (Exception e)
        {
            Log.ShutdownIncomplete(logger, "announce leaving to the ingest grain", e.Message);
        }
    }
}
