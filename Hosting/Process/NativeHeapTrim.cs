using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QuoteCluster.Configuration;

namespace QuoteCluster.Hosting;

/// <summary>
/// Gives the memory that native code has freed back to the OS: once just after start-up, then every
/// <see cref="Period"/>.
/// </summary>
/// <remarks>
/// glibc keeps what the runtime's native side frees (likeliest the JIT's working memory, as methods are compiled and
/// recompiled) in its malloc arenas, which threads share, up to eight per core, and returns little of it by itself: an
/// idle embedded default held 13 MB in them at 30 s and 17 MB ten minutes later, of which one trim gave back 12
/// (docs/operations.md, Memory). A trim walks the arenas and releases their free pages; memory the process needs again
/// is faulted back in.
/// </remarks>
internal sealed class NativeHeapTrim(IHostApplicationLifetime lifetime,
    [FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time) : BackgroundService
{
    /// <summary>After the start-up collection, which frees the start-up's native allocations too.</summary>
    public static TimeSpan First { get; } = StartupGarbageRelease.Delay + TimeSpan.FromSeconds(1);

    /// <summary>Often enough that what an idle minute frees does not pile up; rare enough to cost nothing measurable.</summary>
    public static TimeSpan Period { get; } = TimeSpan.FromMinutes(1);

    /// <summary>The trim; glibc's, unless a test counts.</summary>
    internal Func<bool> Trim { get; init; } = GlibcMalloc.Trim;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await lifetime.WhenStartedAsync(stoppingToken);
            await Task.Delay(First, time, stoppingToken);
            Trim();
            using var every = new PeriodicTimer(Period, time);
            while (await every.WaitForNextTickAsync(stoppingToken))
            {
                Trim();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
