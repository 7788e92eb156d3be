using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using QuoteCluster.LoadTool;

// Usage: dotnet run -c Release --project bench/QuoteCluster.LoadTool -- [--clients 1000 | --clients 250,500,1000] [--symbols 20] [--seconds 15] [--rate 220] [--rounds 3] [--idle-only | --load-only] [--smoke]
//        ... -- --memory [--symbols 20 --clients 0] [--smoke] (one count of clients): resident memory and managed heap of the embedded default as it
//            ships: idle with 20 symbols, the same with the dashboard, and 1,000 symbols with 1,000 idle clients (or the one case given)
//        ... -- --cluster 3 [--clients 2] (one count) [--rate 400] [--seconds 15] [--rounds 3] [--smoke]: latency through Redis, the
//            simulator, 3 Silo processes and an Api (the Release builds of Silo, Api and tools/AlpacaSimulator.Host)
// Latency is one measure throughout: from the quote's exchange timestamp, which the feed stamps when it sends, to the
// client reading it. Each load round runs against the gateway and then against the floor (FloorServer). A list of client
// counts runs the rounds at each and ends with a table of both against the absolute goal (p50 ≤ 3 ms, p99 ≤ 15 ms), which
// shows the load at which the machine itself stops meeting it.
// --smoke (what bench/smoke runs, in CI): 10 clients unless --clients says otherwise (CI gives 4,10, so a list of loads
// runs too), 5 symbols at 200 quotes/s, half-second pauses, 2 s of load, only to prove that the tool still runs; it
// exits 1 when a client fails. Any run exits 1 when no message reaches the clients; bad arguments exit 2.
if (args.Length == 2 && args[0] == BareWebSocketServer.Flag)
{
    await BareWebSocketServer.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
    return 0;
}

if (args.Length == 4 && args[0] == FloorServer.Flag)
{
    await FloorServer.RunAsync(double.Parse(args[1], CultureInfo.InvariantCulture), args[2].Split(','), int.Parse(args[3], CultureInfo.InvariantCulture));
    return 0;
}

var smoke = args.Contains("--smoke");
// --cluster and --memory take one count of clients; --memory's may be 0 (no client).
var clientCounts = Wholes("--clients", smoke ? "10" : "1000", least: args.Contains("--memory") ? 0 : 1,
    list: !args.Contains("--cluster") && !args.Contains("--memory"));
var clients = clientCounts.Max();
var symbolCount = Whole("--symbols", smoke ? "5" : "20", least: 1);
var seconds = Positive("--seconds", smoke ? "2" : "15");
var rate = Positive("--rate", args.Contains("--cluster") ? "400" : smoke ? "200" : "220");
var rounds = Whole("--rounds", smoke ? "1" : "3", least: 1);
var apiDll = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "Api", "bin", "Release", "net10.0", "QuoteCluster.Api.dll");
apiDll = Path.GetFullPath(Argument("--api", apiDll));
if (!File.Exists(apiDll))
{
    Console.Error.WriteLine($"build the Api first (dotnet build -c Release Api): {apiDll} is missing");
    return 2;
}

if (args.Contains("--cluster"))
{
    // `--cluster` alone means three silos.
    var silos = Array.IndexOf(args, "--cluster") + 1 is var next && next < args.Length && !args[next].StartsWith("--", StringComparison.Ordinal)
        ? Whole("--cluster", "3", least: 1)
        : 3;
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd}");
    return await ClusterRun.RunAsync(apiDll, silos, args.Contains("--clients") ? clients : 2, rate, seconds, rounds, smoke);
}

if (args.Contains("--memory"))
{
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd}");
    // The smoke form proves the mode runs (5 s of warm-up, 10 clients); its figures are not the idle figures.
    var only = args.Contains("--symbols") || args.Contains("--clients")
        ? (Whole("--symbols", "20", least: 1), args.Contains("--clients") ? clients : 0)
        : ((int, int)?)null;
    return await MemoryRun.RunAllAsync(apiDll, only, TimeSpan.FromSeconds(smoke ? 5 : 30), smoke);
}

try
{
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd}");
    if (smoke) Console.WriteLine("smoke mode: tiny sizes and short pauses; these figures only show that the tool runs and are not benchmarks");
    Console.WriteLine($"gateway: the Api's embedded default (silo + Alpaca simulator at {rate} quotes/s in process), {symbolCount} symbols; load tool in another process on the same machine");
    await using var gateway = await GatewayProcess.StartAsync(apiDll, rate, clients * 2);
    var load = new LoadClients(gateway.Address, GatewayProcess.Token, latencySampleEvery: 50);
    var ingested = await load.IngestedSymbolsAsync();
    var symbols = string.Join(',', ingested.Take(symbolCount));

    // 1. Memory per idle connection: WebSockets that subscribe to nothing, against the gateway and, side by side, against
    // bare Kestrel (the framework's own floor). Resident memory also moves with the collector's budgets, which grow with
    // the first connections' set-up garbage; the marginal cost between a quarter and all of the connections leaves that
    // one-off growth out.
    if (!args.Contains("--load-only")) await MeasureIdleSideBySideAsync(gateway, load);
    if (args.Contains("--idle-only")) return 0;
    await Task.Delay(Pause(3));

    // 2. Throughput and latency, side by side with the floor: the same clients against the gateway, then against a bare
    // in-process broadcast through the gateway's own frames, encoder and Kestrel, in alternating rounds so drift in the
    // machine touches both alike. The floor is what the machine and the framework cost; ours ÷ floor is the cluster's.
    // Its feed spreads the rate over every symbol the gateway ingests, as the gateway's feed does.
    await using var floorServer = await FloorServer.StartAsync(apiDll, rate, ingested);
    var floorLoad = new LoadClients(floorServer.Address, "none", latencySampleEvery: 50);
    var ourRounds = new List<LoadResult>();
    var floorRounds = new List<LoadResult>();
    var table = new List<string>();
    foreach (var count in clientCounts)
    {
        var ours = new List<LoadResult>();
        var floor = new List<LoadResult>();
        for (var round = 1; round <= rounds; round++)
        {
            ours.Add(await LoadRound.RunAsync($"round {round}, gateway", gateway, load, count, symbols, seconds, smoke));
            floor.Add(await LoadRound.RunAsync($"round {round}, floor  ", floorServer, floorLoad, count, symbols, seconds, smoke));
        }

        var oursMedian = LoadResult.Median(ours);
        var floorMedian = LoadResult.Median(floor);
        // The rounds are pairs run back to back, so the ratio is taken within each pair and the median of those reported.
        var p50Ratio = ours.Zip(floor, (o, f) => o.P50 / f.P50).Order().ElementAt(rounds / 2);
        var p99Ratio = ours.Zip(floor, (o, f) => o.P99 / f.P99).Order().ElementAt(rounds / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency at {count:N0} clients, median of {rounds} rounds: gateway p50 {oursMedian.P50:F1} ms / p99 {oursMedian.P99:F1} ms; floor p50 {floorMedian.P50:F1} ms / p99 {floorMedian.P99:F1} ms; " +
            $"gateway ÷ floor, median of the rounds' ratios = {p50Ratio:F2} at p50, {p99Ratio:F2} at p99"));
        table.Add(string.Create(CultureInfo.InvariantCulture,
            $"| {count:N0} | {oursMedian.P50:F1} / {oursMedian.P99:F1} ms | {YesOrNo(LatencyGoal.IsMetBy(oursMedian))} | {floorMedian.P50:F1} / {floorMedian.P99:F1} ms | {YesOrNo(LatencyGoal.IsMetBy(floorMedian))} | {p50Ratio:F2} / {p99Ratio:F2} |"));
        ourRounds.AddRange(ours);
        floorRounds.AddRange(floor);
    }

    if (clientCounts.Length > 1)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\nthe absolute goal, p50 ≤ {LatencyGoal.P50} ms and p99 ≤ {LatencyGoal.P99} ms, at each load (medians of {rounds} rounds):"));
        Console.WriteLine("| clients | gateway p50 / p99 | gateway meets | floor p50 / p99 | floor meets | gateway ÷ floor p50 / p99 |");
        Console.WriteLine("|---:|---:|:---:|---:|:---:|---:|");
        foreach (var row in table) Console.WriteLine(row);
    }

    // Nothing measured fails any run; a failed client fails the smoke, where ten clients on loopback have no excuse.
    var measuredNothing = ourRounds.Concat(floorRounds).Any(r => r.PerSecond <= 0);
    var failed = ourRounds.Concat(floorRounds).FirstOrDefault(r => r.FirstFailure is not null);
    var clientsFailed = smoke && failed is not null;
    if (measuredNothing) Console.Error.WriteLine("FAILED: in some round no message reached the clients");
    if (clientsFailed) Console.Error.WriteLine($"FAILED: {failed!.Failed} of {failed.Clients} clients failed, the first with: {failed.FirstFailure}");
    if (measuredNothing || clientsFailed) return 1;
    if (smoke) Console.WriteLine("smoke: the load tool ran; every client ran and messages reached them, from the gateway and from the floor");
    return 0;
}
catch (Exception e) when (smoke)
{
    Console.Error.WriteLine($"smoke: the load tool failed: {e}");
    return 1;
}

async Task MeasureIdleSideBySideAsync(ServerProcess gateway, LoadClients load)
{
    await Task.Delay(Pause(5));
    var ours = await MeasureIdleAsync("gateway", gateway, load, clients);
    await using (var bare = await BareWebSocketServer.StartAsync(apiDll))
    {
        var floor = await MeasureIdleAsync("bare Kestrel", bare, new LoadClients(bare.Address, "none", latencySampleEvery: 50), clients);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"idle: marginal KB per connection, gateway ÷ bare Kestrel = {ours / floor:F2} (the gateway adds {ours - floor:F1} KB)"));
    }
}

async Task<double> MeasureIdleAsync(string name, ServerProcess server, LoadClients load, int clients)
{
    var idle = new List<ClientWebSocket>();
    var steps = new List<(int Connections, long Resident)> { (0, Settled(server)) };
    foreach (var target in new[] { clients / 4, clients })
    {
        foreach (var batch in Enumerable.Range(0, target - idle.Count).Chunk(50))
        {
            idle.AddRange(await Task.WhenAll(batch.Select(_ => load.ConnectWebSocketAsync(CancellationToken.None))));
        }

        await Task.Delay(Pause(5));
        steps.Add((idle.Count, Settled(server)));
    }

    var (quarter, atQuarter) = steps[1];
    var (all, atAll) = steps[2];
    var marginal = (atAll - atQuarter) / (double)(all - quarter) / 1024;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"\nidle, {name}: {clients:N0} WebSocket connections: RSS {steps[0].Resident / 1e6:F0} MB → {atQuarter / 1e6:F0} MB at {quarter:N0} → {atAll / 1e6:F0} MB; " +
        $"{(atAll - steps[0].Resident) / (double)all / 1024:F1} KB per idle connection from none, {marginal:F1} KB marginal ({quarter:N0} → {all:N0})"));
    foreach (var socket in idle) socket.Abort();
    await Task.Delay(Pause(2));
    return marginal;
}

long Settled(ServerProcess server)
{
    // Resident memory moves with the collector; the median of a few readings is steadier than one.
    var readings = new List<long>();
    for (var i = 0; i < 5; i++)
    {
        readings.Add(server.ResidentBytes);
        Thread.Sleep(smoke ? 20 : 200);
    }

    return readings.Order().ElementAt(2);
}

static string YesOrNo(bool met) => met ? "yes" : "no";

// A pause for memory to settle or clients to warm up; half a second in smoke mode, where only running matters.
TimeSpan Pause(double fullSeconds) => TimeSpan.FromSeconds(smoke ? 0.5 : fullSeconds);

string Argument(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    if (index < 0) return fallback;
    return index + 1 < args.Length ? args[index + 1] : Refuse<string>($"{name}: a value is missing");
}

int Whole(string name, string fallback, int least) => Wholes(name, fallback, least, list: false)[0];

// One whole number, or with `list` several separated by commas, each at least `least`.
int[] Wholes(string name, string fallback, int least, bool list)
{
    var text = Argument(name, fallback);
    var parts = list ? text.Split(',', StringSplitOptions.TrimEntries) : [text];
    var values = new int[parts.Length];
    for (var i = 0; i < parts.Length; i++)
    {
        if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]) || values[i] < least)
        {
            return Refuse<int[]>($"{name}: expected {(list ? "whole numbers separated by commas, each" : "a whole number,")} {least} or more; got '{text}'");
        }
    }

    return values;
}

double Positive(string name, string fallback)
{
    var text = Argument(name, fallback);
    return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > 0
        ? value
        : Refuse<double>($"{name}: expected a number above 0; got '{text}'");
}

// A bad argument ends the tool before it starts anything: exit 2, with what was expected.
static T Refuse<T>(string message)
{
    Console.Error.WriteLine(message);
    Environment.Exit(2);
    return default!;
}
