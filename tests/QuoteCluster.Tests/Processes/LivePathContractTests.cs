using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using QuoteCluster.Tests.Support;
using Xunit.Abstractions;

namespace QuoteCluster.Tests.Processes;

/// <summary>
/// The promise users buy, judged as a user sees it: every symbol at every client, during and after each fault. Three
/// Silo processes and an Api process in CLUSTER_MODE=redis, fed by the simulator with one tick per symbol every 50 ms,
/// an SSE client and a WebSocket client of all twenty symbols.
/// </summary>
public sealed class LivePathContractTests(ITestOutputHelper output)
{
    private static readonly string[] Symbols =
        ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "SPY", "QQQ", "IBM", "ORCL", "INTC", "AMD", "UNH", "JPM", "V", "WMT", "XOM", "NFLX", "DIS"];

    /// <summary>Ticks a second per symbol the simulator sends: every symbol once per frame, 20 frames a second.</summary>
    private const double FeedRatePerSymbol = 20;

    /// <summary>Windows in which a symbol's update rate is judged; two seconds keep scheduling noise out of the verdict.</summary>
    private static readonly TimeSpan Bin = TimeSpan.FromSeconds(2);

    /// <summary>At least half of what the feed sends, per window.</summary>
    private static readonly int MinimumPerBin = (int)(FeedRatePerSymbol / 2 * Bin.TotalSeconds);

    private static readonly TimeSpan RecoveryTarget = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Observation = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan RollingGapTarget = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Every_symbol_stays_live_at_every_client_through_silo_kills_a_rolling_restart_and_a_gateway_restart()
    {
        await using var cluster = await ProcessCluster.StartAsync(firestore: null, Symbols);
        try
        {
            await RunAsync(cluster);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(e.Message + cluster.Diagnostics(), e);
        }
    }

    private async Task RunAsync(ProcessCluster cluster)
    {
        foreach (var name in new[] { "silo-0", "silo-1", "silo-2" }) cluster.StartSilo(name);
        cluster.StartApi();
        await cluster.WaitForActiveSilosAsync(3, TimeSpan.FromSeconds(60));
        cluster.StartSimulator(rate: FeedRatePerSymbol * Symbols.Length, frameSize: Symbols.Length);

        await using var clients = LiveClients.Start(() => cluster.ApiUrl, ProcessCluster.Token, Symbols);
        await Eventually.Until(() => clients.Clients.All(c => Symbols.All(s => c.ArrivalsOf(s).Count > 0)), TimeSpan.FromSeconds(30), "every client to hear every symbol");
        await Task.Delay(TimeSpan.FromSeconds(2));

        // The set-up itself must meet the rate, or every verdict below would be about the machine.
        var baselineFrom = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(6));
        var baseline = Judge(clients, "baseline", baselineFrom, baselineFrom, DateTimeOffset.UtcNow);
        Assert.True(baseline.All(r => r.RecoveredAfter == TimeSpan.Zero), "before any fault, some symbols were under half the feed's rate:\n" + Describe(baseline.Where(r => r.RecoveredAfter != TimeSpan.Zero)));

        // 1. SIGKILL of the silo that runs the feed.
        var view = await cluster.WaitForActiveSilosAsync(3, TimeSpan.FromSeconds(30));
        var feedSilo = IngestSilo(view);
        await KillAndJudgeAsync(cluster, clients, $"SIGKILL of the feed's silo ({feedSilo})", [feedSilo]);

        // 2. SIGKILL of the silo holding the most symbol grains, when it is not the feed's.
        view = await cluster.WaitForActiveSilosAsync(3, TimeSpan.FromSeconds(30));
        var busiest = SymbolGrains(view).Where(s => s.Name != IngestSilo(view)).MaxBy(s => s.Count).Name;
        await KillAndJudgeAsync(cluster, clients, $"SIGKILL of the silo with the most symbol grains ({busiest})", [busiest]);

        // 3. Two silos, one after the other, leaving one.
        view = await cluster.WaitForActiveSilosAsync(3, TimeSpan.FromSeconds(30));
        var two = SymbolGrains(view).Select(s => s.Name).Order(StringComparer.Ordinal).Take(2).ToArray();
        await KillAndJudgeAsync(cluster, clients, $"SIGKILL of {two[0]}, then of {two[1]}", two);

        // 4. A rolling restart: each silo in turn gets SIGTERM, exits, and is replaced before the next.
        await cluster.WaitForActiveSilosAsync(3, TimeSpan.FromSeconds(30));
        var rollingFrom = DateTimeOffset.UtcNow;
        foreach (var name in cluster.Silos.Keys.Order(StringComparer.Ordinal).ToList())
        {
            var silo = cluster.Silos[name];
            silo.Process.Terminate();
            Assert.True(await silo.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"{name} did not exit within 30 s of SIGTERM");
            cluster.StartSilo(name);
            await WaitUntilActiveAsync(cluster, name);
            Step(cluster, $"rolling restart: {name} replaced");
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        var rollingUntil = DateTimeOffset.UtcNow;
        var gaps = clients.Clients.SelectMany(c => Symbols.Select(s => (Client: c.Name, Symbol: s, Gap: LongestGap(c.ArrivalsOf(s), rollingFrom, rollingUntil)))).ToList();
        Step(cluster, $"rolling restart over {(rollingUntil - rollingFrom).TotalSeconds:F0} s: per-symbol longest gap {Distribution(gaps.Select(g => g.Gap))}");
        var late = gaps.Where(g => g.Gap > RollingGapTarget).ToList();
        Assert.True(late.Count == 0, $"during the rolling restart {late.Count} symbol-client pairs went more than {RollingGapTarget.TotalSeconds} s without an update: " +
            string.Join(", ", late.Select(g => $"{g.Symbol}@{g.Client} {g.Gap.TotalSeconds:F1} s")));

        // 5. The gateway restarts: reconnecting clients get every symbol again, snapshot and live updates.
        cluster.Api!.Terminate();
        Assert.True(await cluster.Api.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the Api did not exit within 30 s of SIGTERM");
        var restartedAt = DateTimeOffset.UtcNow;
        cluster.StartApi();
        await Eventually.Until(() => clients.Clients.All(c => c.Connections.Any(t => t > restartedAt)), TimeSpan.FromSeconds(60), "every client to reconnect to the new Api");
        var reconnectedAt = clients.Clients.Max(c => c.Connections.Last());
        await Task.Delay(Observation);
        var afterRestart = Judge(clients, "Api restart", reconnectedAt, reconnectedAt, DateTimeOffset.UtcNow);
        Step(cluster, $"Api restart: per-symbol recovery after the clients reconnected {Distribution(afterRestart.Select(r => r.RecoveredAfter))}");
        AssertRecovered(afterRestart, "after the Api restart");
    }

    [Fact]
    public async Task In_a_quiet_market_every_latest_quote_is_still_served_after_the_silo_holding_the_most_symbols_dies()
    {
        string[] symbols = [.. Symbols.Take(16)];
        await using var cluster = await ProcessCluster.StartAsync(firestore: null, symbols);
        try
        {
            foreach (var name in new[] { "silo-0", "silo-1" }) cluster.StartSilo(name);
            cluster.StartApi();
            await cluster.WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(60));

            // One quote of each symbol a second, for two seconds; then the market is closed.
            cluster.StartSimulator(rate: symbols.Length, frameSize: symbols.Length, tradeRatio: 0, silentAfter: TimeSpan.FromSeconds(2.5));
            var before = new Dictionary<string, JsonElement>();
            foreach (var symbol in symbols)
            {
                before[symbol] = await Eventually.Until(() => TryQuoteAsync(cluster, symbol), q => q is not null, TimeSpan.FromSeconds(30), $"{symbol}'s first quote")
                    ?? throw new InvalidOperationException("unreachable");
            }

            await Task.Delay(TimeSpan.FromSeconds(4));
            foreach (var symbol in symbols) before[symbol] = (await TryQuoteAsync(cluster, symbol))!.Value;

            // Kill the silo holding the most symbol grains that does not run the feed: with two silos, the other one.
            var view = await cluster.WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(30));
            var victim = SymbolGrains(view).Where(s => s.Name != IngestSilo(view)).MaxBy(s => s.Count);
            Step(cluster, $"quiet market: killing {victim.Name}, which holds {victim.Count} of {symbols.Length} symbol grains");
            var killedAt = DateTimeOffset.UtcNow;
            cluster.Silos[victim.Name].Process.Kill();
            await WaitUntilDeclaredDeadAsync(cluster, victim.Name);
            await Task.Delay(killedAt + TimeSpan.FromSeconds(15) - DateTimeOffset.UtcNow is { } rest && rest > TimeSpan.Zero ? rest : TimeSpan.Zero);

            // REST: every symbol, with the quote it had or a newer one (a feed that reconnects may hear of newer ones).
            var missing = new List<string>();
            foreach (var symbol in symbols)
            {
                var now = await TryQuoteAsync(cluster, symbol);
                if (now is not { } quote || quote.GetProperty("ts").GetDateTimeOffset() < before[symbol].GetProperty("ts").GetDateTimeOffset())
                {
                    missing.Add($"{symbol} ({(now is null ? "404" : "older than before")})");
                }
            }

            Assert.True(missing.Count == 0, $"15 s after {victim.Name} died, GET /api/quotes lost: {string.Join(", ", missing)}");

            // A new SSE client gets every symbol's snapshot at once.
            await using var clients = LiveClients.Start(() => cluster.ApiUrl, ProcessCluster.Token, symbols);
            await Eventually.Until(() => clients.Clients.All(c => symbols.All(s => c.ArrivalsOf(s).Count > 0)), TimeSpan.FromSeconds(10),
                "a new SSE and a new WebSocket client to get every symbol's snapshot");
            Step(cluster, "quiet market: every symbol served by REST and in new clients' snapshots after the kill");
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(e.Message + cluster.Diagnostics(), e);
        }
    }

    private static async Task<JsonElement?> TryQuoteAsync(ProcessCluster cluster, string symbol)
    {
        try
        {
            using var response = await cluster.Http.GetAsync(new Uri(cluster.ApiUrl, $"api/quotes/{symbol}"));
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Kills each silo in turn, waiting for each death to be declared and judged, then brings them all back.</summary>
    private async Task KillAndJudgeAsync(ProcessCluster cluster, LiveClients clients, string fault, IReadOnlyList<string> victims)
    {
        foreach (var victim in victims)
        {
            var killedAt = DateTimeOffset.UtcNow;
            var siloPort = cluster.Silos[victim].SiloPort;
            cluster.Silos[victim].Process.Kill();
            await WaitUntilDeclaredDeadAsync(cluster, victim);
            var declaredAt = await DeclaredDeadAtAsync(cluster, siloPort, killedAt);
            await Task.Delay(Observation);
            var results = Judge(clients, fault, killedAt, declaredAt, DateTimeOffset.UtcNow);
            var worstGaps = clients.Clients.SelectMany(c => Symbols.Select(s => LongestGap(c.ArrivalsOf(s), killedAt, DateTimeOffset.UtcNow)));
            Step(cluster, $"{fault}: {victim} killed, declared dead after {(declaredAt - killedAt).TotalSeconds:F1} s; per-symbol recovery after the declaration " +
                $"{Distribution(results.Select(r => r.RecoveredAfter))}; per-symbol longest gap {Distribution(worstGaps)}");
            AssertRecovered(results, $"after {victim} was killed ({fault})");
        }

        foreach (var victim in victims) cluster.StartSilo(victim);
        foreach (var victim in victims) await WaitUntilActiveAsync(cluster, victim);
        await Task.Delay(TimeSpan.FromSeconds(5));
    }

    private static void AssertRecovered(IReadOnlyList<Recovery> results, string when)
    {
        var failed = results.Where(r => r.RecoveredAfter is null || r.RecoveredAfter > RecoveryTarget).ToList();
        Assert.True(failed.Count == 0,
            $"{when}, {failed.Count} of {results.Count} symbol-client pairs were not back to half the feed's rate ({MinimumPerBin} updates per {Bin.TotalSeconds} s) " +
            $"within {RecoveryTarget.TotalSeconds} s of the death being declared, or fell under it again:\n{Describe(failed)}");
    }

    /// <summary>
    /// For each client and symbol: how long after <paramref name="declaredAt"/> its rate was back to at least half the
    /// feed's and stayed there until <paramref name="until"/>; null when it was under at the end.
    /// </summary>
    private static List<Recovery> Judge(LiveClients clients, string fault, DateTimeOffset from, DateTimeOffset declaredAt, DateTimeOffset until)
    {
        var results = new List<Recovery>();
        foreach (var client in clients.Clients)
        {
            foreach (var symbol in Symbols)
            {
                var arrivals = client.ArrivalsOf(symbol);
                var counts = new List<(DateTimeOffset Start, int Count)>();
                for (var start = from; start + Bin <= until; start += Bin)
                {
                    var end = start + Bin;
                    counts.Add((start, arrivals.Count(t => t >= start && t < end)));
                }

                var lastUnder = counts.FindLastIndex(c => c.Count < MinimumPerBin);
                TimeSpan? recovered = lastUnder < 0 ? TimeSpan.Zero
                    : lastUnder == counts.Count - 1 ? null
                    : counts[lastUnder + 1].Start - declaredAt;
                if (recovered < TimeSpan.Zero) recovered = TimeSpan.Zero;
                results.Add(new Recovery(fault, client.Name, symbol, recovered, string.Join(' ', counts.Select(c => c.Count))));
            }
        }

        return results;
    }

    private static async Task<DateTimeOffset> WaitUntilDeclaredDeadAsync(ProcessCluster cluster, string name)
    {
        await Eventually.Until(
            async () => await TryViewAsync(cluster),
            v => v is { } view && view.GetProperty("silos").EnumerateArray().All(s => s.GetProperty("name").GetString() != name || s.GetProperty("status").GetString() != "active"),
            TimeSpan.FromSeconds(30), $"{name}'s death to be declared");
        return DateTimeOffset.UtcNow;
    }

    /// <summary>
    /// When the first survivor declared the silo listening on <paramref name="siloPort"/> dead, from its own log (the
    /// `silo_lost` line): the moment the contract counts from, earlier than any view the Api gives.
    /// </summary>
    private static async Task<DateTimeOffset> DeclaredDeadAtAsync(ProcessCluster cluster, int siloPort, DateTimeOffset killedAt)
    {
        var address = $":{siloPort.ToString(CultureInfo.InvariantCulture)}:";
        return await Eventually.Until(
            () => Task.FromResult(Directory.EnumerateFiles(cluster.LogDirectory, "silo-*.log")
                .SelectMany(f => ReadShared(f))
                .Where(line => line.Contains("\"event_type\":\"silo_lost\"", StringComparison.Ordinal) && line.Contains("\"status\":\"Dead\"", StringComparison.Ordinal))
                .Select(line => JsonDocument.Parse(line).RootElement)
                .Where(e => e.GetProperty("silo").GetString()!.Contains(address, StringComparison.Ordinal))
                .Select(e => e.GetProperty("ts").GetDateTimeOffset())
                .Where(t => t > killedAt)
                .DefaultIfEmpty(DateTimeOffset.MaxValue)
                .Min()),
            t => t != DateTimeOffset.MaxValue, TimeSpan.FromSeconds(30), "a survivor's silo_lost line for the killed silo");
    }

    private static IEnumerable<string> ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    private static Task WaitUntilActiveAsync(ProcessCluster cluster, string name) =>
        Eventually.Until(
            async () => await TryViewAsync(cluster),
            v => v is { } view && view.GetProperty("silos").EnumerateArray().Any(s => s.GetProperty("name").GetString() == name && s.GetProperty("status").GetString() == "active")
                && view.GetProperty("silos").EnumerateArray().Any(s => s.GetProperty("hosts_ingest").GetBoolean()),
            TimeSpan.FromSeconds(60), $"{name} to be an active member, with the feed running");

    private static async Task<JsonElement?> TryViewAsync(ProcessCluster cluster)
    {
        try
        {
            return await cluster.GetJsonAsync(new Uri(cluster.ApiUrl, "api/cluster"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static string IngestSilo(JsonElement view) =>
        view.GetProperty("silos").EnumerateArray().Single(s => s.GetProperty("hosts_ingest").GetBoolean()).GetProperty("name").GetString()!;

    private static IEnumerable<(string Name, int Count)> SymbolGrains(JsonElement view) =>
        view.GetProperty("silos").EnumerateArray().Where(s => s.GetProperty("status").GetString() == "active")
            .Select(s => (s.GetProperty("name").GetString()!, s.GetProperty("symbol_grains").GetInt32()));

    /// <summary>The longest stretch without an arrival inside [from, until], its ends included.</summary>
    private static TimeSpan LongestGap(IReadOnlyList<DateTimeOffset> arrivals, DateTimeOffset from, DateTimeOffset until)
    {
        var times = arrivals.Where(t => t > from && t < until).Order().Prepend(from).Append(until).ToList();
        return times.Zip(times.Skip(1), (a, b) => b - a).Max();
    }

    private static string Distribution(IEnumerable<TimeSpan?> values)
    {
        var list = values.ToList();
        var known = list.Where(v => v is not null).Select(v => v!.Value.TotalSeconds).Order().ToList();
        var never = list.Count - known.Count;
        return known.Count == 0 ? $"never ({never} pairs)" : string.Create(CultureInfo.InvariantCulture,
            $"min {known[0]:F1} s, p50 {known[known.Count / 2]:F1} s, p90 {known[known.Count * 9 / 10]:F1} s, max {known[^1]:F1} s over {list.Count} symbol-client pairs{(never > 0 ? $", {never} never" : "")}");
    }

    private static string Distribution(IEnumerable<TimeSpan> values) => Distribution(values.Select(v => (TimeSpan?)v));

    private static string Describe(IEnumerable<Recovery> results) =>
        string.Join('\n', results.Select(r => $"  {r.Symbol}@{r.Client}: {(r.RecoveredAfter is { } t ? $"{t.TotalSeconds:F1} s" : "never")} (updates per {Bin.TotalSeconds} s: {r.Counts})"));

    private void Step(ProcessCluster cluster, string message)
    {
        output.WriteLine(message);
        Directory.CreateDirectory(cluster.LogDirectory);
        File.AppendAllText(Path.Combine(cluster.LogDirectory, "steps.log"), $"{DateTime.UtcNow:HH:mm:ss.fff} {message}\n");
    }

    private sealed record Recovery(string Fault, string Client, string Symbol, TimeSpan? RecoveredAfter, string Counts);
}
