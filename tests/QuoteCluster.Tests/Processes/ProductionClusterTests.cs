using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using QuoteCluster.Tests.Api;
using QuoteCluster.Tests.Support;
using Xunit.Abstractions;

namespace QuoteCluster.Tests.Processes;

/// <summary>
/// CLUSTER_MODE=redis for real: three Silo processes and an Api process on loopback, Redis for membership, the
/// simulator as the Alpaca feed, Firestore's emulator as the store.
/// </summary>
[Collection(FirestoreEmulatorCollection.Name)]
public sealed class ProductionClusterTests(FirestoreEmulator firestore, ITestOutputHelper output)
{
    private static readonly string[] Symbols = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA", "SPY", "QQQ", "IBM", "ORCL", "INTC"];
    private static readonly TimeSpan FailoverTarget = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Killing_the_ingest_silo_restores_quotes_within_15_s_and_everything_converges_then_stops_with_a_stopped_heartbeat()
    {
        await using var cluster = await ProcessCluster.StartAsync(firestore, Symbols);
        try
        {
            await RunScenarioAsync(cluster);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(e.Message + cluster.Diagnostics(), e);
        }
    }

    private async Task RunScenarioAsync(ProcessCluster cluster)
    {
        foreach (var name in new[] { "silo-0", "silo-1", "silo-2" }) cluster.StartSilo(name);
        cluster.StartApi();

        // The cluster forms through Redis and the feed runs on one silo; once quotes flow, the symbols' grains spread
        // over more than one. (Quotes start after the cluster has formed, as with a Deployment's replicas starting together.)
        var view = await cluster.WaitForActiveSilosAsync(3, TimeSpan.FromSeconds(60));
        cluster.StartSimulator();
        await Eventually.Until(
            async () => view = await cluster.GetJsonAsync(new Uri(cluster.ApiUrl, "api/cluster")),
            v => SymbolGrains(v).Sum(s => s.Count) == Symbols.Length && SymbolGrains(v).Count(s => s.Count > 0) >= 2,
            TimeSpan.FromSeconds(20), "every symbol's grain active, spread over at least two silos");
        Step(cluster, $"cluster formed: {string.Join(", ", SymbolGrains(view).Select(s => $"{s.Name} {s.Count} symbol grains"))}");

        // A silo's dashboard is behind the same token as the API, and so is the one the gateway serves as an Orleans client.
        await AssertDashboardNeedsTheTokenAsync(cluster, cluster.Silos["silo-0"].Url);
        await AssertDashboardNeedsTheTokenAsync(cluster, cluster.ApiUrl);
        Step(cluster, "dashboards checked");

        // An SSE client records when each quote arrives and the latest of each symbol.
        using var stop = new CancellationTokenSource();
        var arrivals = new ConcurrentQueue<Arrival>();
        var latest = new ConcurrentDictionary<string, JsonElement>();
        var reading = ReadPricesAsync(cluster, arrivals, latest, stop.Token);
        await Eventually.Until(() => latest.Count == Symbols.Length, TimeSpan.FromSeconds(20), "the SSE client to hold every symbol");

        // SIGKILL the silo that runs the feed, and measure the longest silence the SSE client sees around it.
        Step(cluster, "SSE client holds every symbol");
        var latencies = arrivals.Select(a => (a.At - a.QuoteTs).TotalMilliseconds).Order().ToList();
        Step(cluster, $"quote-to-client latency before the kill over {latencies.Count} quotes: p50 {latencies[latencies.Count / 2]:F0} ms, p99 {latencies[latencies.Count * 99 / 100]:F0} ms");
        var ingestSilo = view.GetProperty("silos").EnumerateArray().Single(s => s.GetProperty("hosts_ingest").GetBoolean()).GetProperty("name").GetString()!;
        var ingestMetrics = await Eventually.Until(
            async () => await cluster.Http.GetStringAsync(new Uri(cluster.Silos[ingestSilo].Url, "metrics")),
            text => text.Contains("quotecluster_quotes_received_total{", StringComparison.Ordinal) && text.Contains("quotecluster_heartbeat_age_seconds{", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the ingest silo's metrics to count quotes and report the heartbeat's age");
        Assert.Contains("orleans_", ingestMetrics, StringComparison.Ordinal);
        cluster.Silos[ingestSilo].Process.Kill();
        var killedAt = DateTimeOffset.UtcNow;

        // Quotes made just before the kill are still in flight for a few milliseconds; one made half a second after it
        // can only have come through the feed's new connection on a survivor.
        var resumedAfter = killedAt.AddMilliseconds(500);
        await Eventually.Until(() => arrivals.Any(a => a.QuoteTs > resumedAfter), FailoverTarget + TimeSpan.FromSeconds(5), "a quote from the restarted feed to reach the SSE client");
        await Task.Delay(TimeSpan.FromSeconds(2));

        // Two views of the gap: the longest silence at the client, and the longest stretch of market time with no
        // quote (the first can hide behind quotes still in flight when the silo died; the second cannot).
        var silence = LongestGap(arrivals.Select(a => a.At).Where(t => t >= killedAt.AddSeconds(-1)));
        var gap = LongestGap(arrivals.Select(a => a.QuoteTs).Where(t => t >= killedAt.AddSeconds(-5)));
        Step(cluster, $"failover: killed {ingestSilo} (SIGKILL); quotes were missing for {gap.TotalSeconds:F2} s of market time, and the SSE client's longest silence was {silence.TotalSeconds:F2} s (target < {FailoverTarget.TotalSeconds} s)");
        Assert.True(gap < FailoverTarget, $"quotes were missing for {gap.TotalSeconds:F2} s of market time after killing the ingest silo");
        Assert.True(silence < FailoverTarget, $"the SSE client heard nothing for {silence.TotalSeconds:F2} s after the ingest silo was killed");
        view = await cluster.WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(view.GetProperty("silos").EnumerateArray(), s => s.GetProperty("name").GetString() == ingestSilo && s.GetProperty("status").GetString() == "active");

        // The killed silo comes back under its old name and ports and rejoins.
        cluster.StartSilo(ingestSilo);
        await Eventually.Until(
            async () => await cluster.GetJsonAsync(new Uri(cluster.ApiUrl, "api/cluster")),
            v => v.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "active") == 3,
            TimeSpan.FromSeconds(60), $"{ingestSilo} to rejoin");
        Step(cluster, $"{ingestSilo} restarted and rejoined");

        // With the feed gone quiet, every symbol's latest quote is the same in the grains, at the SSE client and in Firestore.
        cluster.Simulator!.Kill();
        Step(cluster, "simulator stopped; waiting for convergence");
        await Task.Delay(TimeSpan.FromSeconds(1));
        foreach (var symbol in Symbols)
        {
            await Eventually.Until(
                async () => await ObserveAsync(cluster, symbol, latest),
                o => o.Converged,
                TimeSpan.FromSeconds(30), $"{symbol} to converge in the grains, the SSE client and Firestore");
        }

        Step(cluster, "every symbol converged: grain = SSE client = Firestore");
        await stop.CancelAsync();
        await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // SIGTERM everything at once, as deleting the Deployment does: all exit in bounded time, and the last
        // heartbeat says stopped.
        var processes = cluster.Silos.Values.Select(s => s.Process).Append(cluster.Api!).ToList();
        var terminatedAt = Stopwatch.GetTimestamp();
        foreach (var process in processes) process.Terminate();
        foreach (var process in processes)
        {
            Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"{process.Name} did not exit within 30 s of SIGTERM");
        }

        Step(cluster, $"all processes exited {Stopwatch.GetElapsedTime(terminatedAt).TotalSeconds:F1} s after SIGTERM");
        var heartbeat = await ReadDocumentAsync(cluster, "ops/market_ingest");
        Assert.Equal("stopped", heartbeat?.GetProperty("fields").GetProperty("status").GetProperty("stringValue").GetString());
    }

    [Fact]
    public async Task A_silo_whose_redis_is_gone_still_exits_in_bounded_time_on_sigterm()
    {
        await using var cluster = await ProcessCluster.StartAsync(firestore: null, ["AAPL"], simulatorFeed: false);
        var silo = cluster.StartSilo("lonely");
        await Eventually.Until(
            async () =>
            {
                try
                {
                    using var ready = await cluster.Http.GetAsync(new Uri(silo.Url, "readyz"));
                    return ready.StatusCode;
                }
                catch (HttpRequestException)
                {
                    return HttpStatusCode.ServiceUnavailable;
                }
            },
            status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the silo to be ready" + cluster.Diagnostics());

        cluster.Redis.Kill();
        var terminatedAt = Stopwatch.GetTimestamp();
        silo.Process.Terminate();
        var exited = await silo.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var took = Stopwatch.GetElapsedTime(terminatedAt);
        Step(cluster, $"with Redis gone, the silo exited {took.TotalSeconds:F1} s after SIGTERM");

        // Host shutdown timeout (10 s) plus the deadline's margin (5 s), with room for a slow CI machine.
        Assert.True(exited, "the silo did not exit within 30 s of SIGTERM with Redis gone" + cluster.Diagnostics());
        Assert.True(took < TimeSpan.FromSeconds(20), $"the silo took {took.TotalSeconds:F1} s to exit");
    }

    private static async Task AssertDashboardNeedsTheTokenAsync(ProcessCluster cluster, Uri host)
    {
        using var anonymous = new HttpClient();
        using (var open = await anonymous.GetAsync(new Uri(host, "dashboard/")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, open.StatusCode);
        }

        using var authorized = await cluster.Http.GetAsync(new Uri(host, "dashboard/"));
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
    }

    private void Step(ProcessCluster cluster, string message)
    {
        output.WriteLine(message);
        Directory.CreateDirectory(cluster.LogDirectory);
        File.AppendAllText(Path.Combine(cluster.LogDirectory, "steps.log"), $"{DateTime.UtcNow:HH:mm:ss.fff} {message}\n");
    }

    private static IEnumerable<(string Name, int Count)> SymbolGrains(JsonElement view) =>
        view.GetProperty("silos").EnumerateArray().Select(s => (s.GetProperty("name").GetString()!, s.GetProperty("symbol_grains").GetInt32()));

    private sealed record Arrival(DateTimeOffset At, DateTimeOffset QuoteTs);

    private static TimeSpan LongestGap(IEnumerable<DateTimeOffset> times)
    {
        var ordered = times.Order().ToList();
        return ordered.Zip(ordered.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.Zero).Max();
    }

    private static async Task ReadPricesAsync(ProcessCluster cluster, ConcurrentQueue<Arrival> arrivals, ConcurrentDictionary<string, JsonElement> latest, CancellationToken cancel)
    {
        // A client that reconnects as EventSource does, with Last-Event-ID, when the gateway drops it.
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = cluster.Http.DefaultRequestHeaders.Authorization;
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(cluster.ApiUrl, $"api/stream/prices?symbols={string.Join(',', cluster.Symbols)}"), HttpCompletionOption.ResponseHeadersRead, cancel);
                using var reader = new SseReader(await response.Content.ReadAsStreamAsync(cancel));

                // Keep-alive comments keep a quiet stream reading for ever; stopping the client closes it.
                await using var closeOnStop = cancel.Register(response.Dispose);
                while (!cancel.IsCancellationRequested)
                {
                    var (_, quote) = await reader.NextQuoteAsync(TimeSpan.FromSeconds(60));
                    arrivals.Enqueue(new Arrival(DateTimeOffset.UtcNow, quote.GetProperty("ts").GetDateTimeOffset()));
                    latest[quote.GetProperty("symbol").GetString()!] = quote;
                }
            }
            catch (Exception) when (!cancel.IsCancellationRequested)
            {
                await Task.Delay(200, CancellationToken.None);
            }
        }
    }

    private sealed record Observation(string Symbol, double? GrainBid, double? GrainAsk, double? SseBid, double? SseAsk, double? StoredBid, double? StoredAsk)
    {
        public bool Converged => GrainBid is not null && GrainBid == SseBid && GrainBid == StoredBid && GrainAsk == SseAsk && GrainAsk == StoredAsk;
    }

    private async Task<Observation> ObserveAsync(ProcessCluster cluster, string symbol, ConcurrentDictionary<string, JsonElement> latest)
    {
        var grain = await cluster.GetJsonAsync(new Uri(cluster.ApiUrl, $"api/quotes/{symbol}"));
        latest.TryGetValue(symbol, out var sse);
        var stored = await ReadDocumentAsync(cluster, $"live_quotes/{symbol}");
        var fields = stored?.GetProperty("fields");
        return new Observation(symbol,
            grain.GetProperty("bid").GetDouble(), grain.GetProperty("ask").GetDouble(),
            sse.ValueKind == JsonValueKind.Object ? sse.GetProperty("bid").GetDouble() : null,
            sse.ValueKind == JsonValueKind.Object ? sse.GetProperty("ask").GetDouble() : null,
            fields?.GetProperty("bid").GetProperty("doubleValue").GetDouble(),
            fields?.GetProperty("ask").GetProperty("doubleValue").GetDouble());
    }

    private async Task<JsonElement?> ReadDocumentAsync(ProcessCluster cluster, string path)
    {
        // Read through the emulator's REST API, independent of our gRPC client.
        using var response = await firestore.GetRestAsync($"tenants/{cluster.Tenant}/{path}");
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }
}
