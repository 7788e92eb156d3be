using System.Globalization;
using System.Runtime.InteropServices;
using QuoteCluster.Benchmarks;
using QuoteCluster.Tests.Support;

// Usage:
//   dotnet run -c Release --project bench/QuoteCluster.Benchmarks -- ingest [--symbols 100,1000] [--rates 200000] [--seconds 15]
//       [--market-symbols 11000] [--market-rate 200000]   (the whole-market row, MONITORED_SYMBOLS=*; --market-symbols 0 skips it,
//       --symbols 0 runs it alone)
//   dotnet run -c Release --project bench/QuoteCluster.Benchmarks -- alpaca [--seconds 10] [--rounds 3]
//   FIRESTORE_EMULATOR_HOST=127.0.0.1:8766 dotnet run -c Release --project bench/QuoteCluster.Benchmarks -- firestore [--seconds 20] [--outage-seconds 60]
// Any suite with --smoke (what bench/smoke runs, in CI): tiny sizes and windows of a second or two, only to prove that
// the suite still runs; the firestore suite then starts its own emulator if FIRESTORE_EMULATOR_HOST is unset.
// A suite exits 1 when a row measured nothing (no quotes through, no events to the consumer, no documents written).
var suite = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "ingest";
var smoke = args.Contains("--smoke");
var seconds = double.Parse(Argument("--seconds", suite switch
{
    "ingest" => smoke ? "1" : "15",
    "alpaca" => smoke ? "0.5" : "10",
    _ => smoke ? "1" : "20",
}), CultureInfo.InvariantCulture);
var failures = new List<string>();
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd}");
if (smoke) Console.WriteLine("smoke mode: tiny sizes and short windows; these figures only show that the suite runs and are not benchmarks");

try
{
    switch (suite)
    {
        case "ingest":
            await IngestAsync();
            break;
        case "firestore":
            await FirestoreAsync();
            break;
        case "alpaca":
            await AlpacaAsync();
            break;
        default:
            Console.Error.WriteLine($"unknown suite '{suite}': use ingest, firestore or alpaca");
            return 2;
    }
}
catch (Exception e) when (smoke)
{
    Console.Error.WriteLine($"smoke: the {suite} suite failed: {e}");
    return 1;
}

foreach (var failure in failures) Console.Error.WriteLine($"FAILED: {failure}");
if (failures.Count > 0) return 1;
if (smoke) Console.WriteLine($"smoke: the {suite} suite ran and every row measured something");
return 0;

async Task IngestAsync()
{
    var symbolCounts = Argument("--symbols", smoke ? "10" : "100,1000").Split(',').Select(int.Parse).Where(n => n > 0).ToArray();
    var rates = Argument("--rates", smoke ? "1000" : "200000").Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    var warmup = TimeSpan.FromSeconds(smoke ? 1 : 5);

    // The whole market (issue 13): MONITORED_SYMBOLS=* over a simulated market of this many symbols; smoke: 200 at 2,000/s.
    var marketSymbols = int.Parse(Argument("--market-symbols", smoke ? "200" : "11000"), CultureInfo.InvariantCulture);
    var marketRate = double.Parse(Argument("--market-rate", smoke ? "2000" : "200000"), CultureInfo.InvariantCulture);
    Console.WriteLine("| symbols | feed rate (quotes/s) | quotes/s through ingest | live updates/s | updates ÷ quotes | stream events/s | grain calls/s | gateway grain reads/s | p50 feed→consumer | p99 feed→consumer | max heap | max RSS |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    var runs = symbolCounts.SelectMany(symbols => rates.Select(rate => (symbols, rate, whole: false))).ToList();
    if (marketSymbols > 0) runs.Add((marketSymbols, marketRate, whole: true));
    var stages = new List<string>();
    foreach (var (symbols, rate, whole) in runs)
    {
        var r = await IngestPipelineRun.RunAsync(symbols, rate, warmup, measure: TimeSpan.FromSeconds(seconds), whole);
        var name = string.Create(CultureInfo.InvariantCulture, $"{r.Symbols:N0}{(r.WholeMarket ? " (whole market, `*`)" : "")}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {r.TargetRate:N0} | {r.QuotesPerSecond:N0} | {r.LiveUpdatesPerSecond:N0} | {r.LiveUpdatesPerSecond / r.QuotesPerSecond:P2} | {r.StreamEventsPerSecond:N0} | {r.SymbolCallsPerSecond:N0} | {r.GatewayReadsPerSecond:N0} | {r.P50Ms:F1} ms | {r.P99Ms:F1} ms | {r.MaxHeapMb:F0} MB | {r.MaxRssMb:F0} MB |"));
        var s = r.Stages;
        stages.Add(string.Create(CultureInfo.InvariantCulture,
            $"| {name} at {r.TargetRate:N0} | {s.FeedToGrainP50Ms:F0} ms | {s.FeedToGrainP99Ms:F0} ms | {s.CpuCores:F2} of {Environment.ProcessorCount} | {s.ThreadPoolQueueMedian:N0} / {s.ThreadPoolQueueMax:N0} | {s.GcPausedMs:N0} ms | {s.GatewayResubscribes:N0} |"));
        var row = string.Create(CultureInfo.InvariantCulture, $"ingest, {symbols} symbols{(whole ? " (whole market)" : "")} at {rate:N0} quotes/s");
        Expect(r.QuotesPerSecond > 0, $"{row}: no quotes went through ingest");
        Expect(r.LiveUpdatesPerSecond > 0, $"{row}: no live updates reached the consumer");
    }

    // What the rows cannot say: how stale ingest leaves the grains, whether the process had CPU to spare, how much
    // work waited for a thread, and what the garbage collector and the gateway's healing took.
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\nWhere the time went (same runs; {seconds:0.#} s windows):\n"));
    Console.WriteLine("| run | grain's quote age p50 (feed→grain) | p99 | CPU cores used | thread-pool queue median / max | GC paused | gateway re-subscriptions |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
    foreach (var line in stages) Console.WriteLine(line);
}

async Task FirestoreAsync()
{
    var emulator = Environment.GetEnvironmentVariable("FIRESTORE_EMULATOR_HOST");
    FirestoreEmulator? started = null;
    if (emulator is null && smoke)
    {
        // The tests' own starter (linked into this project): java -cp the official emulator's jar, on a free port.
        started = new FirestoreEmulator();
        await started.StartAsync();
        emulator = started.Host;
        Console.WriteLine($"started the Firestore emulator at {emulator} ({started.Jar}); it stops with this run");
    }

    if (emulator is null)
    {
        throw new InvalidOperationException("Set FIRESTORE_EMULATOR_HOST to a running Firestore emulator (see BENCHMARKS.md), or run with --smoke, which starts one.");
    }

    try
    {
        await FirestoreRowsAsync(emulator);
    }
    finally
    {
        if (started is not null) await started.StopAsync();
    }
}

async Task FirestoreRowsAsync(string emulator)
{
    var measure = TimeSpan.FromSeconds(seconds);
    Console.WriteLine("\n**Store throughput** (commits of 500 documents straight through FirestoreQuoteStore)\n");
    Console.WriteLine("| commits in flight | documents written/s |");
    Console.WriteLine("|---:|---:|");
    foreach (var inFlight in new[] { 1, 4 })
    {
        var perSecond = await FirestoreRuns.StoreWritesPerSecondAsync(emulator, batch: 500, inFlight, measure);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {inFlight} | {perSecond:N0} |"));
        Expect(perSecond > 0, $"firestore store, {inFlight} commits in flight: no documents written");
    }

    // Smoke: ten symbols at 1,000 quotes/s, a second of warm-up, and a one-second outage, instead of the full sizes.
    var (raisedSymbols, defaultSymbols, rate) = smoke ? (10, 10, 1_000d) : (5000, 1000, 100_000d);
    var (raisedWarmup, defaultWarmup) = smoke ? (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) : (TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(5));
    var outage = TimeSpan.FromSeconds(double.Parse(Argument("--outage-seconds", smoke ? "1" : "60"), CultureInfo.InvariantCulture));

    Console.WriteLine("\n**Pipeline into Firestore**\n");
    Console.WriteLine("| run | symbols | quotes/s in | documents/s out | quotes in ÷ writes out | pending at end | heap start → end (max) |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
    void Row(string name, int symbols, FirestoreRuns.PipelineResult r)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {symbols:N0} | {r.QuotesPerSecond:N0} | {r.WritesPerSecond:N0} | {(r.WritesPerSecond > 0 ? r.QuotesPerSecond / r.WritesPerSecond : double.PositiveInfinity):N0} : 1 | {r.PendingAtEnd:N0} | {r.HeapStartMb:F0} → {r.HeapEndMb:F0} MB ({r.HeapMaxMb:F0}) |"));
        Expect(r.QuotesPerSecond > 0, $"firestore pipeline, {name}: no quotes in");
        if (r.WritesExpected) Expect(r.WritesPerSecond > 0, $"firestore pipeline, {name}: no documents written");
    }

    Row("budget raised (100,000/s, burst 100,000), 1 s per document", raisedSymbols,
        await FirestoreRuns.PipelineAsync(raisedSymbols, rate, raisedWarmup, measure, expectWrites: true,
            ("FIRESTORE_EMULATOR_HOST", emulator), ("GLOBAL_WRITES_PER_SEC", "100000"), ("GLOBAL_BURST", "100000")));
    Row("default settings (20/s, burst 40)", defaultSymbols,
        await FirestoreRuns.PipelineAsync(defaultSymbols, rate, defaultWarmup, measure, expectWrites: true, ("FIRESTORE_EMULATOR_HOST", emulator)));
    Row($"Firestore unreachable for {outage.TotalSeconds:0} s", defaultSymbols,
        await FirestoreRuns.PipelineAsync(defaultSymbols, rate, defaultWarmup, outage, expectWrites: false, ("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")));
}

async Task AlpacaAsync()
{
    var warmup = TimeSpan.FromSeconds(smoke ? 0.5 : 3);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"frames of {AlpacaDecodeRuns.QuotesPerFrame} quotes over 100 symbols, loopback, one connection; {seconds:0.#} s per row after {warmup.TotalSeconds:0.#} s warm-up\n"));
    Console.WriteLine("| codec | receiver | quotes/s, median (each round) | ÷ bare transport | ÷ minimal decode | CPU (cores, simulator included) | allocated per quote |");
    Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
    var rounds = int.Parse(Argument("--rounds", smoke ? "1" : "3"), CultureInfo.InvariantCulture);
    foreach (var codec in new[] { QuoteCluster.Feeds.Alpaca.AlpacaCodec.Json, QuoteCluster.Feeds.Alpaca.AlpacaCodec.MessagePack })
    {
        // The three receivers take turns, round after round, so drift in the machine's speed touches all of them alike.
        var receivers = new[] { "bare transport", "minimal decode", "client" };
        var runs = receivers.ToDictionary(r => r, _ => new List<AlpacaDecodeRuns.Result>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var receiver in receivers)
            {
                runs[receiver].Add(await AlpacaDecodeRuns.RunAsync(receiver, codec, warmup, TimeSpan.FromSeconds(seconds)));
            }
        }

        var median = receivers.Select(r => runs[r].OrderBy(x => x.QuotesPerSecond).ElementAt(rounds / 2)).ToList();
        foreach (var r in median)
        {
            var all = string.Join(" / ", runs[r.Receiver].Select(x => (x.QuotesPerSecond / 1e6).ToString("F2", CultureInfo.InvariantCulture)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Codec} | {(r.Receiver == "client" ? "AlpacaStreamClient → QuoteCoalescer" : r.Receiver)} | {r.QuotesPerSecond:N0} ({all} M) | {r.QuotesPerSecond / median[0].QuotesPerSecond:P0} | {r.QuotesPerSecond / median[1].QuotesPerSecond:P0} | {r.CpuCoresUsed:F2} | {r.AllocatedBytesPerQuote:F0} B |"));
        }

        foreach (var run in runs.Values.SelectMany(r => r))
        {
            Expect(run.QuotesPerSecond > 0, $"alpaca, {run.Codec}, {run.Receiver}: no quotes received");
        }
    }
}

void Expect(bool measured, string failure)
{
    if (!measured) failures.Add(failure);
}

string Argument(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
