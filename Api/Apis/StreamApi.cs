using System.Globalization;
using QuoteCluster.Api.Live;
using QuoteCluster.Configuration;
using QuoteCluster.Ingest;
using QuoteCluster.Symbols;

namespace QuoteCluster.Api;

/// <summary>
/// `GET /api/stream/prices`: Server-Sent Events. A snapshot of each symbol's latest quote first, then updates, conflated
/// per client; `maxHz` caps a client's update rate; keep-alive comments keep idle proxies from closing the stream.
/// </summary>
/// <remarks>
/// Written by hand rather than with `TypedResults.ServerSentEvents`, which has no way to send the comment lines that
/// keep-alives are. Event ids are quote versions; a client reconnecting (with `Last-Event-ID`, as browsers do) gets
/// the latest quote of every symbol at once, which is the state it missed.
/// </remarks>
public static class StreamApi
{
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    public static IEndpointRouteBuilder MapStreamApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/stream/prices", StreamPricesAsync).WithTags("Streaming")
            .WithSummary("Server-Sent Events: snapshot, then updates of the requested symbols (or all); ?maxHz= caps the rate.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return endpoints;
    }

    internal static async Task StreamPricesAsync(
        HttpContext context, string? symbols, double? maxHz, IClusterClient cluster, QuoteSubscriptionHub hub,
        LiveConnections connections, QuoteClusterOptions options, EncodedQuotes encoded)
    {
        var request = await StreamRequest.ResolveAsync(symbols, maxHz, cluster);
        using var lease = await request.AdmitAsync(context, connections);
        if (lease is null) return;

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var stop = context.RequestAborted;
        var connection = new LiveConnection(request.MaxHz);
        var subscriptions = new List<IAsyncDisposable>();
        try
        {
            // Browsers reconnect after a drop; a second is soon enough and spares a restarting gateway a stampede.
            await response.WriteAsync("retry: 1000\n\n", stop);
            await response.Body.FlushAsync(stop);
            foreach (var symbol in request.Symbols)
            {
                subscriptions.Add(await hub.SubscribeAsync(symbol, connection, stop));
            }

            while (!stop.IsCancellationRequested)
            {
                var updates = await connection.TakeAsync(options.SseKeepAlive, stop);
                if (updates.Count == 0)
                {
                    await response.Body.WriteAsync(KeepAlive, stop);
                }

                foreach (var update in updates)
                {
                    await response.Body.WriteAsync(encoded.ServerSentEvent(update), stop);
                }

                await response.Body.FlushAsync(stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var subscription in subscriptions) await subscription.DisposeAsync();
        }
    }
}

/// <summary>A streaming client's request, validated: symbols (default: all ingested) and its update rate cap.</summary>
internal sealed record StreamRequest(IReadOnlyList<string> Symbols, double? MaxHz, ProblemDetailsView? Problem, int StatusCode)
{
    public const double MaxAllowedHz = 100;

    /// <param name="emptyMeansNone">WebSocket clients subscribe by message, so no symbols means none rather than all.</param>
    public static async Task<StreamRequest> ResolveAsync(string? symbols, double? maxHz, IClusterClient cluster, bool emptyMeansNone = false)
    {
        if (maxHz is { } hz && (double.IsNaN(hz) || hz <= 0 || hz > MaxAllowedHz))
        {
            return Fail(StatusCodes.Status400BadRequest, "invalid_max_hz", $"maxHz={hz.ToString(CultureInfo.InvariantCulture)} is not allowed: give updates per second above 0 and at most {MaxAllowedHz}.");
        }

        var tracked = await cluster.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey).GetSymbolsAsync();
        if (string.IsNullOrWhiteSpace(symbols)) return new StreamRequest(emptyMeansNone ? [] : tracked, maxHz, null, StatusCodes.Status200OK);

        IReadOnlyList<string> wanted;
        try
        {
            wanted = Symbol.ParseList(symbols);
        }
        catch (InvalidSymbolException e)
        {
            return Fail(StatusCodes.Status400BadRequest, "invalid_symbol", e.Message);
        }

        var untracked = wanted.Where(s => !tracked.Contains(s)).ToList();
        return untracked.Count > 0
            ? Fail(StatusCodes.Status404NotFound, "not_tracked", $"Not ingested: {string.Join(", ", untracked)}. Add them with POST /api/subscriptions first.")
            : new StreamRequest(wanted, maxHz, null, StatusCodes.Status200OK);
    }

    /// <summary>
    /// Takes a connection slot for a valid request; otherwise, or when the gateway is full (API_MAX_CONNECTIONS), answers
    /// with the reason and returns null.
    /// </summary>
    public async Task<IDisposable?> AdmitAsync(HttpContext context, LiveConnections connections)
    {
        if (Problem is not null)
        {
            context.Response.StatusCode = StatusCode;
            await context.Response.WriteAsJsonAsync(Problem);
            return null;
        }

        if (connections.TryEnter(out var lease)) return lease;
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        await context.Response.WriteAsJsonAsync(new ProblemDetailsView("connection_limit",
            $"This gateway already serves {connections.Limit} streaming clients (API_MAX_CONNECTIONS); try another gateway or later."));
        return null;
    }

    private static StreamRequest Fail(int status, string error, string message) => new([], null, new ProblemDetailsView(error, message), status);
}
