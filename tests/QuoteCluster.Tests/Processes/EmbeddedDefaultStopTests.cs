using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using QuoteCluster.Hosting;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Processes;

/// <summary>
/// Ctrl-C on the first README command: the feed stops, the final heartbeat is written, and nothing in the log says
/// something went wrong. Operators alert on error lines, so a clean stop that logs errors pages someone for nothing.
/// </summary>
public sealed class EmbeddedDefaultStopTests
{
    [Fact]
    public async Task A_stopped_embedded_default_logs_its_clean_shutdown_and_not_one_error()
    {
        var port = LoopbackPort.Free();
        var url = new Uri($"http://127.0.0.1:{port}/");
        const string token = "stop-test-token";
        var lines = new ConcurrentQueue<string>();

        // The embedded default as README starts it; only the ports and the token are chosen, so runs do not collide.
        await using var api = ChildProcess.Start("api", "dotnet", [BuiltHosts.Api], new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = url.AbsoluteUri,
            ["ORLEANS_SILO_PORT"] = LoopbackPort.Free().ToString(CultureInfo.InvariantCulture),
            ["ORLEANS_GATEWAY_PORT"] = LoopbackPort.Free().ToString(CultureInfo.InvariantCulture),
            ["API_TOKEN"] = token,
        }, onLine: lines.Enqueue);

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await Eventually.Until(async () => await StatusAsync(http), s => s == "LIVE", TimeSpan.FromSeconds(60), "the feed to be LIVE" + Tail(api));

        api.Terminate();

        Assert.True(await api.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the Api did not exit within 30 s of SIGTERM" + Tail(api));
        Assert.Equal(0, api.ExitCode);
        var events = lines.Select(Parse).OfType<JsonElement>().ToList();
        Assert.Contains(events, e => Field(e, "event_type") == "shutdown" && Field(e, "message")?.StartsWith("shutdown: complete", StringComparison.Ordinal) == true);
        // Our log lines are JSON; anything else written at a failure (an unhandled exception, a default-format logger's
        // "fail:") counts as an error too.
        var errors = events.Where(e => Field(e, "level") is "error" or "critical" || Field(e, "event_type") == "shutdown_incomplete")
            .Select(e => e.GetRawText())
            .Concat(lines.Where(l => !l.StartsWith('{') && (l.Contains("Unhandled exception", StringComparison.Ordinal)
                || l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal))))
            .ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} error lines or unfinished shutdown steps:\n{string.Join('\n', errors.Take(5))}");
    }

    private static async Task<string?> StatusAsync(HttpClient http)
    {
        try
        {
            using var status = JsonDocument.Parse(await http.GetStringAsync("/api/stream/status"));
            return status.RootElement.GetProperty("status").GetString();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    private static JsonElement? Parse(string line)
    {
        if (!line.StartsWith('{')) return null;
        try
        {
            return JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Field(JsonElement line, string name) =>
        line.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Tail(ChildProcess process) => $"\n--- {process.Name} ---\n{process.RecentOutput}";
}
