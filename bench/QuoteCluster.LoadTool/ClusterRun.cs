using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using QuoteCluster.Hosting;

namespace QuoteCluster.LoadTool;

/// <summary>
/// `--cluster N`: latency through a production-shaped cluster on this machine. A throw-away Redis, the Alpaca-protocol
/// simulator as its own process, N Silo processes in `CLUSTER_MODE=redis` and one Api joined as their client; the
/// quotes cross the Alpaca client in the ingest silo, the SymbolGrains spread over the silos, the streams, and the
/// gateway connection to the Api before its clients read them.
/// </summary>
internal static class ClusterRun
{
    public const string Token = "load-tool";

    public static async Task<int> RunAsync(string apiDll, int silos, int clients, double rate, double seconds, int rounds, bool smoke)
    {
        var binaries = Path.GetDirectoryName(apiDll)!;
        var configuration = new DirectoryInfo(binaries).Parent!.Name;
        var root = Path.GetFullPath(Path.Combine(binaries, "..", "..", "..", ".."));
        var siloDll = Path.Combine(root, "Silo", "bin", configuration, "net10.0", "QuoteCluster.Silo.dll");
        var simulatorDll = Path.Combine(root, "tools", "AlpacaSimulator.Host", "bin", configuration, "net10.0", "QuoteCluster.AlpacaSimulator.Host.dll");
        foreach (var dll in new[] { siloDll, simulatorDll })
        {
            if (!File.Exists(dll)) throw new FileNotFoundException($"build it first (dotnet build -c Release bench/QuoteCluster.LoadTool): {dll} is missing", dll);
        }

        var processes = new List<ServerProcess>();
        try
        {
            var redisPort = LoopbackPort.Free();
            processes.Add(ServerProcess.Spawn("redis", "redis-server", ["--port", $"{redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], null, new Uri($"http://127.0.0.1:{redisPort}")));
            var simulatorPort = LoopbackPort.Free();
            processes.Add(ServerProcess.Spawn("simulator", "dotnet", [simulatorDll, "--port", $"{simulatorPort}", "--rate", rate.ToString(CultureInfo.InvariantCulture), "--frame-size", "100"],
                null, new Uri($"http://127.0.0.1:{simulatorPort}")));

            // Twenty tickers, as on the embedded default; every Silo can run the feed, whichever holds the ingest grain.
            var symbols = QuoteCluster.Feeds.Simulation.QuoteGenerator.WellKnownSymbols.Take(20).ToList();
            var common = new Dictionary<string, string>
            {
                ["CLUSTER_MODE"] = "redis",
                ["REDIS_CONNECTION_STRING"] = $"127.0.0.1:{redisPort}",
                ["ORLEANS_CLUSTER_ID"] = $"load-{Environment.ProcessId}",
                ["POD_IP"] = "127.0.0.1",
                ["API_TOKEN"] = Token,
                ["DRY_RUN"] = "1",
                ["MONITORED_SYMBOLS"] = string.Join(',', symbols),
                ["ALPACA_STREAM_URL"] = $"ws://127.0.0.1:{simulatorPort}",
                ["APCA_API_DATA_URL"] = $"http://127.0.0.1:{simulatorPort}",
                ["APCA_API_KEY_ID"] = "load-key",
                ["APCA_API_SECRET_KEY"] = "load-secret",
                ["API_MAX_CONNECTIONS"] = $"{Math.Max(100, clients * 2)}",
                ["Logging__LogLevel__Default"] = "Warning",
            };
            for (var i = 0; i < silos; i++)
            {
                var http = LoopbackPort.Free();
                processes.Add(ServerProcess.Spawn($"silo-{i}", "dotnet", [siloDll], new Dictionary<string, string>(common)
                {
                    ["POD_NAME"] = $"silo-{i}",
                    ["ORLEANS_SILO_PORT"] = $"{LoopbackPort.Free()}",
                    ["ORLEANS_GATEWAY_PORT"] = $"{LoopbackPort.Free()}",
                    ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{http}",
                }, new Uri($"http://127.0.0.1:{http}")));
            }

            var apiPort = LoopbackPort.Free();
            var api = ServerProcess.Spawn("api", "dotnet", [apiDll], new Dictionary<string, string>(common) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{apiPort}" },
                new Uri($"http://127.0.0.1:{apiPort}"));
            processes.Add(api);
            await WaitForLiveClusterAsync(api, silos);

            Console.WriteLine($"cluster: Redis, the simulator at {rate} quotes/s over {symbols.Count} symbols, {silos} Silo processes (redis mode) and one Api, all on this machine");
            // Every message is sampled: one client's few hundred messages a second are what its p99 is made of.
            var load = new LoadClients(api.Address, Token, latencySampleEvery: 1);
            var results = new List<LoadResult>();
            for (var round = 1; round <= rounds; round++)
            {
                results.Add(await LoadRound.RunAsync($"round {round}, Api of a {silos}-silo cluster", api, load, clients, string.Join(',', symbols), seconds, smoke));
            }

            var median = LoadResult.Median(results);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cluster latency, median of {rounds} rounds: p50 {median.P50:F1} ms / p99 {median.P99:F1} ms at {median.PerSecond:N0} client messages/s"));
            if (results.Any(r => r.PerSecond <= 0))
            {
                Console.Error.WriteLine("FAILED: in some round no message reached the clients");
                return 1;
            }

            // With one client of each kind, a failed one is a broken route, not load.
            if (results.FirstOrDefault(r => r.FirstFailure is not null) is { } failed)
            {
                Console.Error.WriteLine($"FAILED: {failed.Failed} of {clients} clients failed, the first with: {failed.FirstFailure}");
                return 1;
            }

            return 0;
        }
        catch (Exception) when (processes.Count > 0)
        {
            foreach (var process in processes) Console.Error.WriteLine(process.Diagnostics());
            throw;
        }
        finally
        {
            foreach (var process in Enumerable.Reverse(processes)) await process.DisposeAsync();
        }
    }

    /// <summary>Until the Api sees every silo active and reports the feed LIVE (90 s at most: silos join one by one).</summary>
    private static Task WaitForLiveClusterAsync(ServerProcess api, int silos) =>
        api.WaitUntilLiveAsync(Token, TimeSpan.FromSeconds(90), async http =>
        {
            using var cluster = JsonDocument.Parse(await http.GetStringAsync("/api/cluster"));
            return cluster.RootElement.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "active") >= silos;
        });
}
