using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QuoteCluster.Configuration;

namespace QuoteCluster.Hosting;

/// <summary>
/// One full, compacting collection a few seconds after start-up, which hands the start-up garbage back to the OS.
/// </summary>
/// <remarks>
/// Start-up allocates about 200 MB that is dead a second later, most of it on the large-object heap (the dashboard
/// compresses its assets, Orleans and OpenTelemetry size their tables). An idle process allocates too little to trigger
/// another full collection, so without this the process keeps that memory resident for as long as it stays idle
/// (docs/operations.md, Memory). The collection blocks for a few milliseconds over a heap of a few tens of MB.
/// </remarks>
internal sealed class StartupGarbageRelease(IHostApplicationLifetime lifetime,
    [FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time) : BackgroundService
{
    /// <summary>Long enough for the silo's first activations and the feed's connection to be done allocating.</summary>
    public static TimeSpan Delay { get; } = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await lifetime.WhenStartedAsync(stoppingToken);
            await Task.Delay(Delay, time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
