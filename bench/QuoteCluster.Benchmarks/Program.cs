using System.Globalization;
using System.Runtime.InteropServices;
using QuoteCluster.Benchmarks;

// Usage:
//   dotnet run -c Release --project bench/QuoteCluster.Benchmarks -- ingest [--symbols 100,1000] [--rates 200000] [--seconds 15]
//   dotnet run -c Release --project bench/QuoteCluster.Benchmarks -- alpaca [--seconds 10] [--rounds 3]
//   FIRESTORE_EMULATOR_HOST=127.0.0.1:8766 dotnet run -c Release --project bench/QuoteCluster.Benchmarks -- firestore [--seconds 20] [--outage-seconds 60]
var suite = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "ingest";
var seconds = double.Parse(Argument("--seconds", suite switch { "ingest" => "15", "alpaca" => "10", _ => "20" }), CultureInfo.InvariantCulture);
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd}");

if (suite == "ingest")
{
    var symbolCounts = Argument("--symbols", "100,1000").Split(',').Select(int.Parse).ToArray();
    var rates = Argument("--rates", "200000").Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
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
}
else if (suite == "firestore")
{
    var emulator = Environment.GetEnvironmentVariable("FIRESTORE_EMULATOR_HOST")
        ?? throw new InvalidOperationException("Set FIRESTORE_EMULATOR_HOST to a running Firestore emulator (see BENCHMARKS.md).");
    var measure = TimeSpan.FromSeconds(seconds);

    Console.WriteLine("\n**Store throughput** (commits of 500 documents straight through FirestoreQuoteStore)\n");
    Console.WriteLine("| commits in flight | documents written/s |");
    Console.WriteLine("|---:|---:|");
    foreach (var inFlight in new[] { 1, 4 })
    {
        var perSecond = await FirestoreRuns.StoreWritesPerSecondAsync(emulator, batch: 500, inFlight, measure);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {inFlight} | {perSecond:N0} |"));
    }

    Console.WriteLine("\n**Pipeline into Firestore**\n");
    Console.WriteLine("| run | symbols | quotes/s in | documents/s out | quotes in ÷ writes out | pending at end | heap start → end (max) |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
    void Row(string name, int symbols, FirestoreRuns.PipelineResult r) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {symbols:N0} | {r.QuotesPerSecond:N0} | {r.WritesPerSecond:N0} | {(r.WritesPerSecond > 0 ? r.QuotesPerSecond / r.WritesPerSecond : double.PositiveInfinity):N0} : 1 | {r.PendingAtEnd:N0} | {r.HeapStartMb:F0} → {r.HeapEndMb:F0} MB ({r.HeapMaxMb:F0}) |"));

    Row("budget raised (100,000/s, burst 100,000), 1 s per document", 5000,
        await FirestoreRuns.PipelineAsync(5000, 100_000, TimeSpan.FromSeconds(8), measure,
            ("FIRESTORE_EMULATOR_HOST", emulator), ("GLOBAL_WRITES_PER_SEC", "100000"), ("GLOBAL_BURST", "100000")));
    Row("default settings (20/s, burst 40)", 1000,
        await FirestoreRuns.PipelineAsync(1000, 100_000, TimeSpan.FromSeconds(5), measure, ("FIRESTORE_EMULATOR_HOST", emulator)));
    var outage = TimeSpan.FromSeconds(double.Parse(Argument("--outage-seconds", "60"), CultureInfo.InvariantCulture));
    Row($"Firestore unreachable for {outage.TotalSeconds:0} s", 1000,
        await FirestoreRuns.PipelineAsync(1000, 100_000, TimeSpan.FromSeconds(5), outage, ("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")));
}
else if (suite == "alpaca")
{
    Console.WriteLine($"frames of {AlpacaDecodeRuns.QuotesPerFrame} quotes over 100 symbols, loopback, one connection; {seconds:0} s per row after 3 s warm-up\n");
    Console.WriteLine("| codec | receiver | quotes/s, median (each round) | ÷ bare transport | ÷ minimal decode | CPU (cores, simulator included) | allocated per quote |");
    Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
    var rounds = int.Parse(Argument("--rounds", "3"), CultureInfo.InvariantCulture);
    foreach (var codec in new[] { QuoteCluster.Feeds.Alpaca.AlpacaCodec.Json, QuoteCluster.Feeds.Alpaca.AlpacaCodec.MessagePack })
    {
        // The three receivers take turns, round after round, so drift in the machine's speed touches all of them alike.
        var receivers = new[] { "bare transport", "minimal decode", "client" };
        var runs = receivers.ToDictionary(r => r, _ => new List<AlpacaDecodeRuns.Result>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var receiver in receivers)
            {
                runs[receiver].Add(await AlpacaDecodeRuns.RunAsync(receiver, codec, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(seconds)));
            }
        }

        var median = receivers.Select(r => runs[r].OrderBy(x => x.QuotesPerSecond).ElementAt(rounds / 2)).ToList();
        foreach (var r in median)
        {
            var all = string.Join(" / ", runs[r.Receiver].Select(x => (x.QuotesPerSecond / 1e6).ToString("F2", CultureInfo.InvariantCulture)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Codec} | {(r.Receiver == "client" ? "AlpacaStreamClient → QuoteCoalescer" : r.Receiver)} | {r.QuotesPerSecond:N0} ({all} M) | {r.QuotesPerSecond / median[0].QuotesPerSecond:P0} | {r.QuotesPerSecond / median[1].QuotesPerSecond:P0} | {r.CpuCoresUsed:F2} | {r.AllocatedBytesPerQuote:F0} B |"));
        }
    }
}
else
{
    Console.Error.WriteLine($"unknown suite '{suite}': use ingest, firestore or alpaca");
    return 2;
}

return 0;

string Argument(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
