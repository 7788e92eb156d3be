using System.Globalization;
using System.Net.WebSockets;

namespace QuoteCluster.LoadTool;

/// <summary>
/// `--memory`: the embedded default as it ships (its metrics and GC settings, no dashboard), idle after a warm-up, then
/// with idle WebSocket clients: resident memory, the managed heap and threads, read from the process and its own /metrics.
/// </summary>
internal static class MemoryRun
{
    /// <summary>
    /// The two memory targets (150 MB idle with 20 symbols, read at the warm-up and again at 3 min; 250 MB with 1,000
    /// symbols and 1,000 idle clients) and the dashboard's cost, one fresh process each. <paramref name="only"/>
    /// measures one case instead.
    /// </summary>
    public static async Task<int> RunAllAsync(string apiDll, (int Symbols, int Clients)? only, TimeSpan warmUp, bool smoke)
    {
        if (only is { } one) return await RunAsync(apiDll, one.Symbols, one.Clients, warmUp, smoke, dashboard: null);
        await RunAsync(apiDll, 20, 0, warmUp, smoke, dashboard: null, settled: smoke ? null : TimeSpan.FromMinutes(3));
        await RunAsync(apiDll, 20, 0, warmUp, smoke, dashboard: "1");
        return await RunAsync(apiDll, smoke ? 100 : 1000, smoke ? 10 : 1000, warmUp, smoke, dashboard: null);
    }

    private static async Task<int> RunAsync(string apiDll, int symbols, int clients, TimeSpan warmUp, bool smoke, string? dashboard,
        TimeSpan? settled = null)
    {
        // Only what a measurement needs is set: ports, the token, and the symbols (MAX_SYMBOLS raised to fit them).
        // The GC stays the Api's own; GATEWAY_GC_SERVER=0 or 1 overrides it, and ORLEANS_DASHBOARD the dashboard, for a comparison.
        var settings = new Dictionary<string, string?>
        {
            ["ORLEANS_DASHBOARD"] = dashboard ?? Environment.GetEnvironmentVariable("ORLEANS_DASHBOARD"),
            ["SIMULATED_QUOTES_PER_SEC"] = null,
        };
        if (symbols != 20)
        {
            settings["MONITORED_SYMBOLS"] = string.Join(',', Enumerable.Range(0, symbols).Select(Ticker));
            settings["MAX_SYMBOLS"] = Math.Max(symbols, 30).ToString(CultureInfo.InvariantCulture);
        }

        Console.WriteLine($"\nmemory: the Api's embedded default{(settings["ORLEANS_DASHBOARD"] == "1" ? " with the dashboard" : "")}, {symbols:N0} symbols (simulator at its default rate), warm-up {warmUp.TotalSeconds:0} s, then {clients:N0} idle WebSocket clients");
        await using var gateway = await GatewayProcess.StartAsync(apiDll, 0, Math.Max(clients * 2, 100), settings);
        await Task.Delay(warmUp);
        Console.WriteLine(await ReadAsync(gateway, "idle, no client"));
        if (clients == 0)
        {
            // The process gives back what native code freed once a minute, and its stream caches' blocks fill slowly:
            // a second reading shows where the idle process stands after its first trims.
            if (settled is { } later && later > warmUp)
            {
                await Task.Delay(later - warmUp);
                Console.WriteLine(await ReadAsync(gateway, $"idle, no client, at {later.TotalMinutes:0} min"));
            }

            return 0;
        }

        var load = new LoadClients(gateway.Address, GatewayProcess.Token, latencySampleEvery: 50);
        var idle = new List<ClientWebSocket>();
        foreach (var batch in Enumerable.Range(0, clients).Chunk(50))
        {
            idle.AddRange(await Task.WhenAll(batch.Select(_ => load.ConnectWebSocketAsync(CancellationToken.None))));
        }

        await Task.Delay(smoke ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10));
        Console.WriteLine(await ReadAsync(gateway, $"{clients:N0} idle clients"));
        foreach (var socket in idle) socket.Abort();
        return 0;
    }

    private static async Task<string> ReadAsync(ServerProcess gateway, string label)
    {
        using var http = new HttpClient { BaseAddress = gateway.Address };
        http.DefaultRequestHeaders.Authorization = new("Bearer", GatewayProcess.Token);
        var metrics = await http.GetStringAsync("/metrics");
        // The heap as the collector saw it at its last collection, all generations, fragmentation included.
        var heap = Sum(metrics, "dotnet_gc_last_collection_heap_size_bytes");
        var committed = Sum(metrics, "dotnet_gc_last_collection_memory_committed_size_bytes");
        return string.Create(CultureInfo.InvariantCulture,
            $"memory, {label}: RSS {gateway.ResidentBytes / 1e6:F0} MB, managed heap {heap / 1e6:F0} MB (GC committed {committed / 1e6:F0} MB), {gateway.Threads} threads");
    }

    private static double Sum(string metrics, string name) => metrics.Split('\n')
        .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is '{' or ' ')
        .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    /// <summary>AAA, AAB, ...: valid, distinct tickers the simulator quotes.</summary>
    private static string Ticker(int i) => string.Concat((char)('A' + i / 676 % 26), (char)('A' + i / 26 % 26), (char)('A' + i % 26));
}
