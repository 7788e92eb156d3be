using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QuoteCluster.Configuration;
using QuoteCluster.Logging;

namespace QuoteCluster.Hosting;

/// <summary>STOP_AFTER_SECONDS: a bounded run that stops cleanly, as the smoke checks need.</summary>
internal sealed class StopAfterService(QuoteClusterOptions options, IHostApplicationLifetime lifetime,
    [FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time, ILogger<StopAfterService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.StopAfter is not { } after) return;
        try
        {
            await Task.Delay(after, time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Log.Shutdown(logger, $"STOP_AFTER_SECONDS={after.TotalSeconds} reached");
        lifetime.StopApplication();
    }
}
