using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QuoteCluster.Configuration;
using QuoteCluster.Logging;

namespace QuoteCluster.Ingest;

/// <summary>
/// Every silo pings the ingest grain every few seconds, and at once when a silo leaves the cluster, so after a silo
/// loss the feed restarts on a survivor as soon as membership declares the loss, rather than at the next reminder tick
/// (reminders fire once a minute at best).
/// </summary>
public sealed class IngestKeeper(
    IGrainFactory grains,
    IClusterMembershipService membership,
    QuoteClusterOptions options,
    ILogger<IngestKeeper> logger,
    [Microsoft.Extensions.DependencyInjection.FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time) : BackgroundService
{
    /// <summary>After a failed ping the grain's old silo may still be in this silo's directory cache: retry soon.</summary>
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMilliseconds(500);

    private TaskCompletionSource _siloLost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watch = WatchMembershipAsync(stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var siloLost = _siloLost.Task;
            try
            {
                await grains.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey).EnsureRunningAsync().WaitAsync(stoppingToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures++;
                Log.KeepAliveFailed(logger, e);
            }

            var wait = failures is > 0 and < 20 ? RetryAfterFailure : options.IngestKeepAliveInterval;
            await Task.WhenAny(Task.Delay(wait, time, stoppingToken), siloLost);
            if (siloLost.IsCompleted)
            {
                _siloLost = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task WatchMembershipAsync(CancellationToken stoppingToken)
    {
        ClusterMembershipSnapshot? previous = null;
        await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
        {
            if (previous is not null)
            {
                foreach (var change in snapshot.CreateUpdate(previous).Changes)
                {
                    if (change.Status is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping)
                    {
                        Log.SiloLost(logger, change.SiloAddress.ToString(), change.Status.ToString());
                        _siloLost.TrySetResult();
                    }
                }
            }

            previous = snapshot;
        }
    }
}
