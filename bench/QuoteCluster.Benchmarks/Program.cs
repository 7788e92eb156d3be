using System.Globalization;
using System.Runtime.InteropServices;
using QuoteCluster.Benchmarks;

// Usage: dotnet run -c Release --project bench/QuoteCluster.Benchmarks -- [--symbols 100,1000] [--rates 200000,400000] [--seconds 15]
var symbolCounts = Argument("--symbols", "100,1000").Split(',').Select(int.Parse).ToArray();
var rates = Argument("--rates", "200000").Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var seconds = double.Parse(Argument("--seconds", "15"), CultureInfo.InvariantCulture);

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd}");
Console.WriteLine("| symbols | feed rate (quotes/s) | quotes/s through ingest | stream events/s | events ÷ quotes | grain calls/s | p50 feed→consumer | p99 feed→consumer | max heap |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var symbols in symbolCounts)
{
    foreach (var rate in rates)
    {
        var r = await IngestPipelineRun.RunAsync(symbols, rate, warmup: TimeSpan.FromSeconds(5), measure: TimeSpan.FromSeconds(seconds));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.Symbols:N0} | {r.TargetRate:N0} | {r.QuotesPerSecond:N0} | {r.EventsPerSecond:N0} | {r.EventsPerSecond / r.QuotesPerSecond:P2} | {r.SymbolCallsPerSecond:N0} | {r.P50Ms:F1} ms | {r.P99Ms:F1} ms | {r.MaxHeapMb:F0} MB |"));
    }
}

string Argument(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
