using Microsoft.Extensions.Hosting;

namespace QuoteCluster.Hosting;

internal static class HostApplicationLifetimeExtensions
{
    /// <summary>Completes once the host has started (at once if it has), or is cancelled with <paramref name="stoppingToken"/>.</summary>
    public static Task WhenStartedAsync(this IHostApplicationLifetime lifetime, CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken);
    }
}
