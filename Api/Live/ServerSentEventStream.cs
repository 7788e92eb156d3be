namespace QuoteCluster.Api.Live;

/// <summary>
/// The SSE side of a streaming response: its headers and retry hint, then each conflated batch of updates as the
/// pre-encoded events, a keep-alive comment when nothing came, one flush per batch.
/// </summary>
/// <remarks>
/// Shared by the stream route and the load tool's floor server, so the floor sends the same frames the same way and
/// a comparison with it measures only what lies before the client's buffer.
/// </remarks>
public static class ServerSentEventStream
{
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    /// <summary>The headers, and a retry hint: browsers reconnect after a drop, and a second spares a restarting gateway a stampede.</summary>
    public static async Task BeginAsync(HttpResponse response, CancellationToken stop)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.WriteAsync("retry: 1000\n\n", stop);
        await response.Body.FlushAsync(stop);
    }

    /// <summary>Sends the connection's updates until <paramref name="stop"/>; keep-alive comments keep idle proxies from closing the stream.</summary>
    public static async Task SendUpdatesAsync(
        HttpResponse response, LiveConnection connection, EncodedQuotes encoded, TimeSpan keepAlive, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var updates = await connection.TakeAsync(keepAlive, stop);
            if (updates.Count == 0)
            {
                await response.Body.WriteAsync(KeepAlive, stop);
            }

            // Indexed: a foreach over the interface would box the list's enumerator at every take.
            for (var i = 0; i < updates.Count; i++)
            {
                await response.Body.WriteAsync(encoded.ServerSentEvent(updates[i]), stop);
            }

            await response.Body.FlushAsync(stop);
        }
    }
}
