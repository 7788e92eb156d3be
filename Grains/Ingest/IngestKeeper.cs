using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QuoteCluster.Configuration;
using QuoteCluster.Hosting;
using QuoteCluster.Logging;

namespace QuoteCluster.Ingest;

/// <summary>
/// Every silo pings the ingest grain every few seconds, so after a silo loss the feed restarts on a survivor within
/// seconds rather than at the next reminder tick (reminders fire once a minute at best, and an in-memory reminder
/// table dies with the silo that holds it).
/// </summary>
internal sealed class IngestKeeper(IGrainFactory grains, QuoteClusterOptions options, ILogger<IngestKeeper> logger,
    [Microsoft.Extensions.DependencyInjection.FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await grains.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey).EnsureRunningAsync().WaitAsync(stoppingToken);
                await Task.Delay(options.IngestKeepAliveInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.KeepAliveFailed(logger, e);
                await Task.Delay(options.IngestKeepAliveInterval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
