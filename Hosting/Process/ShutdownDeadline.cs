using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
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
/// <remarks>
/// Armed by <see cref="QuoteClusterProgram"/> only, around a real process's run: a host built inside a test process
/// (WebApplicationFactory) never gets it, so a slow test shutdown cannot kill the test runner.
/// </remarks>
public static class ShutdownDeadline
{
    public static TimeSpan Margin { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Starts the clock when the host begins stopping; dispose the result once the host has stopped.</summary>
    public static IDisposable Arm(IHost host)
    {
        var limit = host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout + Margin;
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ShutdownDeadline).FullName!);
        var deadline = new Timer(_ => Expire(logger, limit), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping
            .Register(() => deadline.Change(limit, Timeout.InfiniteTimeSpan));
        return new Disarm(stopping, deadline);
    }

    private static void Expire(ILogger logger, TimeSpan limit)
    {
        Log.ShutdownForced(logger, limit.TotalSeconds);

        // Environment.Exit would wait for the console lifetime, which waits for the hung host: kill instead, after
        // giving the console logger's queue a moment to write the line above.
        Thread.Sleep(200);
        Process.GetCurrentProcess().Kill();
    }

    private sealed class Disarm(CancellationTokenRegistration stopping, Timer deadline) : IDisposable
    {
        public void Dispose()
        {
            stopping.Dispose();
            deadline.Dispose();
        }
    }
}
