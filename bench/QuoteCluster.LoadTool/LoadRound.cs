using System.Diagnostics;
using System.Globalization;

namespace QuoteCluster.LoadTool;

/// <summary>Messages per second and latency of one round of load by <see cref="Clients"/> clients against one server.</summary>
internal sealed record LoadResult(int Clients, double PerSecond, double P50, double P99, int Failed, string? FirstFailure)
{
    /// <summary>The median of rounds of one load.</summary>
    public static LoadResult Median(IReadOnlyList<LoadResult> rounds)
    {
        static double Middle(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
        return new LoadResult(rounds[0].Clients, Middle(rounds.Select(r => r.PerSecond)), Middle(rounds.Select(r => r.P50)), Middle(rounds.Select(r => r.P99)),
            rounds.Max(r => r.Failed), rounds.Select(r => r.FirstFailure).FirstOrDefault(f => f is not null));
    }
}

/// <summary>The embedded default's latency goal, in milliseconds, at any load: a floor that misses it shows the machine cannot.</summary>
internal static class LatencyGoal
{
    public const double P50 = 3;
    public const double P99 = 15;

    public static bool IsMetBy(LoadResult result) => result.P50 <= P50 && result.P99 <= P99;
}

/// <summary>One round of load: half SSE, half WebSocket clients, each on all the symbols, counted over a window after a warm-up.</summary>
internal static class LoadRound
{
    public static async Task<LoadResult> RunAsync(string name, ServerProcess server, LoadClients load, int clients, string symbols, double seconds, bool smoke)
    {
        using var stop = new CancellationTokenSource();
        var running = new List<Task>();
        for (var i = 0; i < clients; i++)
        {
            running.Add(i % 2 == 0
                ? Task.Run(() => load.RunSseAsync(symbols, stop.Token))
                : Task.Run(() => load.RunWebSocketAsync(symbols.Split(','), stop.Token)));
            if (i % 50 == 49) await Task.Delay(50);
        }

        // Warm-up: the pause, and until messages reach the clients (30 s at most), so a slow start cannot empty the window.
        await Task.Delay(TimeSpan.FromSeconds(smoke ? 0.5 : 5));
        for (var waited = Stopwatch.StartNew(); load.Messages == 0 && waited.Elapsed < TimeSpan.FromSeconds(30);) await Task.Delay(50);
        load.ResetLatency();
        var startMessages = load.Messages;
        var serverStart = server.ProcessorTime;
        var ownStart = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var elapsed = clock.Elapsed.TotalSeconds;
        var perSecond = (load.Messages - startMessages) / elapsed;

        // The cores each side used over the window: on two shared cores, what the server spends beyond the floor is
        // taken from the clients too, so it shows in both sides' latency.
        var serverCores = (server.ProcessorTime - serverStart).TotalSeconds / elapsed;
        var ownCores = (Process.GetCurrentProcess().TotalProcessorTime - ownStart).TotalSeconds / elapsed;
        var (p50, p99, samples) = load.Latency();
        var loaded = server.ResidentBytes;
        await stop.CancelAsync();
        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var failed = running.Where(t => t.IsFaulted).ToList();

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load, {name}: {clients:N0} clients ({clients / 2:N0} SSE + {clients - clients / 2:N0} WebSocket) × {symbols.Split(',').Length} symbols: {perSecond:N0} client messages/s over {seconds:0.#} s, latency p50 {p50:F1} ms / p99 {p99:F1} ms ({samples:N0} samples), server {serverCores:F2} cores, clients {ownCores:F2} cores, server RSS {loaded / 1e6:F0} MB, {failed.Count} clients failed"));
        await Task.Delay(TimeSpan.FromSeconds(smoke ? 0.5 : 2));
        return new LoadResult(clients, perSecond, p50, p99, failed.Count, failed.FirstOrDefault()?.Exception!.GetBaseException().Message);
    }
}
