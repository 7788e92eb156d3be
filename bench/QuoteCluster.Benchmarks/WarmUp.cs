using System.Diagnostics;

namespace QuoteCluster.Benchmarks;

internal static class WarmUp
{
    /// <summary>
    /// A run's warm-up: at least <paramref name="least"/>, and then until <paramref name="flowing"/> sees the run's
    /// data arrive (30 s at most), so a slow start on a busy machine cannot leave the measured window empty.
    /// </summary>
    public static async Task RunAsync(TimeSpan least, Func<Task<bool>> flowing)
    {
        await Task.Delay(least);
        var waited = Stopwatch.StartNew();
        while (!await flowing() && waited.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(50);
    }
}
