using QuoteCluster.Api.Live;
using QuoteCluster.Configuration;
using QuoteCluster.Security;

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
    public static IEndpointRouteBuilder MapStreamApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/stream/prices", StreamPricesAsync).WithTags("Streaming")
            .WithSummary("Server-Sent Events: snapshot, then updates of the requested symbols (or all); ?maxHz= caps the rate.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .RequireAuthorization(QuoteClusterPolicies.Stream);
        return endpoints;
    }

    internal static async Task StreamPricesAsync(
        HttpContext context, string? symbols, double? maxHz, IClusterClient cluster, QuoteSubscriptionHub hub,
        LiveConnections connections, QuoteClusterOptions options, EncodedQuotes encoded)
    {
        var request = await StreamRequest.ResolveAsync(symbols, maxHz, cluster);
        using var lease = await request.AdmitAsync(context, connections);
        if (lease is null) return;

        var stop = context.RequestAborted;
        using var connection = new LiveConnection(request.MaxHz);
        var subscriptions = new List<IAsyncDisposable>();
        try
        {
            await ServerSentEventStream.BeginAsync(context.Response, stop);
            if (request.EverySymbol)
            {
                subscriptions.Add(hub.SubscribeEverySymbol(connection));
            }
            else
            {
                foreach (var symbol in request.Symbols)
                {
                    subscriptions.Add(await hub.SubscribeAsync(symbol, connection, stop));
                }
            }

            await ServerSentEventStream.SendUpdatesAsync(context.Response, connection, encoded, options.SseKeepAlive, stop);
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
