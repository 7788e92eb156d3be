using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QuoteCluster.Logging;

namespace QuoteCluster.Hosting;

/// <summary>
/// Ends the process when a stop overruns the host's shutdown timeout by <see cref="Margin"/>. A silo whose membership
/// table (Redis) went away first can otherwise hang in its own shutdown, and a pod that never exits holds up a rollout
/// until Kubernetes kills it at the end of its grace period.
/// </summary>
internal sealed class ShutdownDeadline(IHostApplicationLifetime lifetime, IOptions<HostOptions> host, ILogger<ShutdownDeadline> logger)
    : IHostedService, IDisposable
{
    public static TimeSpan Margin { get; } = TimeSpan.FromSeconds(5);

    private CancellationTokenRegistration _stopping;
    private Timer? _deadline;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(() =>
        {
            var limit = host.Value.ShutdownTimeout + Margin;
            _deadline = new Timer(_ => Expire(limit), null, limit, Timeout.InfiniteTimeSpan);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Expire(TimeSpan limit)
    {
        Log.ShutdownForced(logger, limit.TotalSeconds);

        // Environment.Exit would wait for the console lifetime, which waits for the hung host: kill instead, after
        // giving the console logger's queue a moment to write the line above.
        Thread.Sleep(200);
        Process.GetCurrentProcess().Kill();
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _deadline?.Dispose();
    }
}
