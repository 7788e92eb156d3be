using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QuoteCluster.Api.Live;
using QuoteCluster.Quotes;

namespace QuoteCluster.LoadTool;

/// <summary>
/// The latency floor: the gateway's own frames, encoder, per-client conflating buffer and Kestrel, fed by a bare
/// in-process broadcast instead of Orleans. Quotes are made in this process at the feed's rate, stamped with their
/// exchange time as the simulator stamps them when it sends, and handed straight to every connection's buffer.
/// </summary>
/// <remarks>
/// Everything the load tool's clients measure against it is the machine's and the framework's, so the gateway's
/// latency divided by this one is what the gateway process adds: the cluster path (the simulator's sending side, feed
/// client, ingest, grains, streams, hub) and its authentication, rate limiting and metrics. It runs as a child process
/// under the Api's runtime settings, as the gateway does.
/// </remarks>
internal static class FloorServer
{
    public const string Flag = "--floor-server";

    /// <summary>The child's side: serve on <paramref name="port"/>, broadcasting <paramref name="rate"/> quotes/s over the symbols, until killed.</summary>
    public static async Task RunAsync(double rate, IReadOnlyList<string> symbols, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        var encoded = new EncodedQuotes(app.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);
        var listeners = new ConcurrentDictionary<LiveConnection, HashSet<string>>();

        app.MapGet("/api/subscriptions", () => Results.Json(new { symbols }));
        app.MapGet("/api/stream/prices", async (HttpContext context, string? symbols) =>
        {
            var stop = context.RequestAborted;
            using var connection = new LiveConnection();
            listeners[connection] = new HashSet<string>((symbols ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
            try
            {
                await ServerSentEventStream.BeginAsync(context.Response, stop);
                await ServerSentEventStream.SendUpdatesAsync(context.Response, connection, encoded, TimeSpan.FromSeconds(15), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            finally
            {
                listeners.TryRemove(connection, out _);
            }
        });
        app.Map("/api/ws", async context =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var stop = context.RequestAborted;
            using var connection = new LiveConnection();
            try
            {
                // The load tool's clients send one subscribe message; the floor takes its symbols and sends what the
                // gateway's send loop sends: each taken update's spot_price_update bytes, one message each.
                var buffer = new byte[16 * 1024];
                var first = await socket.ReceiveAsync(buffer.AsMemory(), stop);
                using var subscribe = JsonDocument.Parse(buffer.AsMemory(0, first.Count));
                listeners[connection] = [.. subscribe.RootElement.GetProperty("symbols").EnumerateArray().Select(s => s.GetString()!)];
                while (!stop.IsCancellationRequested)
                {
                    var updates = await connection.TakeAsync(Timeout.InfiniteTimeSpan, stop);
                    for (var i = 0; i < updates.Count; i++)
                    {
                        await socket.SendAsync(encoded.SpotPriceUpdate(updates[i]), WebSocketMessageType.Text, true, stop);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
            }
            finally
            {
                listeners.TryRemove(connection, out _);
            }
        });

        using var stopping = new CancellationTokenSource();
        var broadcasting = Task.Run(() => BroadcastAsync(rate, symbols, listeners, stopping.Token));
        await app.RunAsync();
        await stopping.CancelAsync();
        await broadcasting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>The feed: paced as the simulator paces its sends (a 10 ms tick, catching up on elapsed time), symbols in turn.</summary>
    private static async Task BroadcastAsync(double rate, IReadOnlyList<string> symbols, ConcurrentDictionary<LiveConnection, HashSet<string>> listeners, CancellationToken stop)
    {
        var started = Stopwatch.GetTimestamp();
        long sent = 0;
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(10, stop);
            var owed = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * rate) - sent;
            for (; owed > 0; owed--, sent++)
            {
                var symbol = symbols[(int)(sent % symbols.Count)];
                var now = DateTimeOffset.UtcNow;
                var price = 100 + sent % 100 / 100.0;
                var update = new QuoteUpdate(new Quote(symbol, price, price + 0.01, 100, 100, null, now, now, QuoteSources.Simulated), sent + 1);
                foreach (var (connection, wanted) in listeners)
                {
                    if (wanted.Contains(symbol)) connection.OnQuote(update);
                }
            }
        }
    }

    /// <summary>The load tool's side: this same executable in floor mode, under the Api's runtime settings.</summary>
    public static Task<ServerProcess> StartAsync(string apiDll, double rate, IReadOnlyList<string> symbols) =>
        ServerProcess.StartSiblingAsync(apiDll, "/api/subscriptions", Flag, rate.ToString(CultureInfo.InvariantCulture), string.Join(',', symbols));
}
