using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using QuoteCluster.Api.Limits;
using QuoteCluster.Api.Live;
using QuoteCluster.Quotes;
using QuoteCluster.Security;
using QuoteCluster.Symbols;

namespace QuoteCluster.Api;

/// <summary>
/// `GET /api/ws`: WebSocket push in the `spot_price_update` format our users' clients read. Clients send
/// `{"action":"subscribe"|"unsubscribe","symbols":[...]}`; a bad message gets an `error` message, never a dropped socket.
/// Updates are conflated per client as on the SSE stream, and `?maxHz=` caps the rate.
/// </summary>
public static class WebSocketApi
{
    private const int MaxMessageBytes = 64 * 1024;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static IEndpointRouteBuilder MapWebSocketApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/ws", ConnectAsync).WithTags("Streaming")
            .WithSummary("WebSocket: subscribe/unsubscribe messages in, spot_price_update and status messages out; ?maxHz= caps the rate.")
            .RequireAuthorization(QuoteClusterPolicies.Stream);
        return endpoints;
    }

    internal static async Task ConnectAsync(
        HttpContext context, string? symbols, double? maxHz, IClusterClient cluster, QuoteSubscriptionHub hub,
        LiveConnections connections, EncodedQuotes encoded, WebSocketMessageLimiter limiter)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ApiProblems.BadRequest("websocket_required", "This route speaks WebSocket only.").ExecuteAsync(context);
            return;
        }

        var request = await StreamRequest.ResolveAsync(symbols ?? "", maxHz, cluster, emptyMeansNone: true);
        using var lease = await request.AdmitAsync(context, connections);
        if (lease is null) return;

        using (var socket = await context.WebSockets.AcceptWebSocketAsync())
        {
            // Each socket has its own budget: one service holding many sockets under one credential must not starve itself.
            await using var session = new Session(socket, cluster, hub, encoded, request.MaxHz, limiter, $"{ClientKey.Of(context)}/{context.TraceIdentifier}");
            await session.RunAsync(request.Symbols, context.RequestAborted);
        }
    }

    /// <summary>One client: its symbols, its conflating buffer, a receive loop and a send loop.</summary>
    private sealed class Session(
        WebSocket socket, IClusterClient cluster, QuoteSubscriptionHub hub, EncodedQuotes encoded, double? maxHz,
        WebSocketMessageLimiter limiter, string client)
        : IAsyncDisposable
    {
        private readonly LiveConnection _connection = new(maxHz);
        private readonly SemaphoreSlim _send = new(1, 1);
        // Changed by the receive loop, read by the send loop.
        // Sized for a client's handful of symbols: an idle connection should cost as little as possible.
        private readonly ConcurrentDictionary<string, IAsyncDisposable> _subscriptions = new(concurrencyLevel: 1, capacity: 4, StringComparer.Ordinal);

        public async Task RunAsync(IReadOnlyList<string> initial, CancellationToken aborted)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            var sending = SendUpdatesAsync(stop.Token);
            try
            {
                if (initial.Count > 0) await SubscribeInitialAsync(initial, stop.Token);
                await ReceiveAsync(stop.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
            finally
            {
                await stop.CancelAsync();
                await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        private async Task SubscribeInitialAsync(IReadOnlyList<string> initial, CancellationToken stop)
        {
            try
            {
                await SubscribeAsync(initial, stop);
            }
            catch (Exception e) when (e is not (OperationCanceledException or WebSocketException))
            {
                await SendAsync(new ServerMessage("error", Message: $"The cluster could not subscribe {string.Join(", ", initial)} just now ({e.GetType().Name}); subscribe again."), stop);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                foreach (var subscription in _subscriptions.Values) await subscription.DisposeAsync();
            }
            finally
            {
                _connection.Dispose();
            }
        }

        private async Task ReceiveAsync(CancellationToken stop)
        {
            // Small, and grown only for a long message: an idle client costs its socket and little else.
            var message = new ArrayBufferWriter<byte>(256);
            while (!stop.IsCancellationRequested)
            {
                message.ResetWrittenCount();
                var tooLong = false;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (message.WrittenCount >= MaxMessageBytes)
                    {
                        // Too long to be a subscription message: the rest is read and dropped, and the client told.
                        tooLong = true;
                        message.ResetWrittenCount();
                    }

                    result = await socket.ReceiveAsync(message.GetMemory(256), stop);
                    message.Advance(result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }

                if (tooLong)
                {
                    await SendAsync(new ServerMessage("error", Message: $"Messages are limited to {MaxMessageBytes} bytes."), stop);
                    continue;
                }

                if (!limiter.Allows(client))
                {
                    await SendAsync(new ServerMessage("error", Message: WebSocketMessageLimiter.Refusal), stop);
                    continue;
                }

                await HandleAsync(message.WrittenMemory, stop);
            }
        }

        /// <summary>
        /// A message the cluster cannot serve right now (a silo failing over, the ingest grain moving) gets an error
        /// to retry after, not a closed socket.
        /// </summary>
        private async Task HandleAsync(ReadOnlyMemory<byte> message, CancellationToken stop)
        {
            try
            {
                await HandleMessageAsync(message, stop);
            }
            catch (Exception e) when (e is not (OperationCanceledException or WebSocketException))
            {
                await SendAsync(new ServerMessage("error", Message: $"The cluster could not serve this request just now ({e.GetType().Name}); send it again."), stop);
            }
        }

        private async Task HandleMessageAsync(ReadOnlyMemory<byte> message, CancellationToken stop)
        {
            ClientMessage? parsed = null;
            try
            {
                parsed = JsonSerializer.Deserialize<ClientMessage>(message.Span, Json);
            }
            catch (JsonException)
            {
            }

            if (parsed?.Symbols is not { Count: > 0 } requested || parsed.Action is not ("subscribe" or "unsubscribe"))
            {
                await SendAsync(new ServerMessage("error", Message: "Send {\"action\":\"subscribe\"|\"unsubscribe\",\"symbols\":[\"AAPL\", ...]}."), stop);
                return;
            }

            IReadOnlyList<string> normalized;
            try
            {
                normalized = [.. requested.Select(Symbol.Normalize).Distinct()];
            }
            catch (InvalidSymbolException e)
            {
                await SendAsync(new ServerMessage("error", Message: e.Message), stop);
                return;
            }

            if (parsed.Action == "unsubscribe")
            {
                foreach (var symbol in normalized)
                {
                    if (_subscriptions.TryRemove(symbol, out var subscription)) await subscription.DisposeAsync();
                }

                await SendAsync(new ServerMessage("unsubscribed", Symbols: normalized, Subscribed: [.. _subscriptions.Keys]), stop);
                return;
            }

            if ((await IngestedSymbols.ReadAsync(cluster)).NotIngested(normalized) is { } notIngested)
            {
                await SendAsync(new ServerMessage("error", Message: $"{notIngested} Nothing was subscribed."), stop);
                return;
            }

            await SubscribeAsync(normalized, stop);
        }

        private async Task SubscribeAsync(IReadOnlyList<string> symbols, CancellationToken stop)
        {
            // The status message goes first, so the snapshot the subscriptions deliver follows it. Each symbol is
            // marked wanted before its subscription starts: the snapshot it delivers at once must not be dropped by
            // the send loop as an update of a symbol nobody wants.
            var added = symbols.Where(s => !_subscriptions.ContainsKey(s)).ToList();
            await SendAsync(new ServerMessage("subscribed", Symbols: symbols, Subscribed: [.. _subscriptions.Keys, .. added]), stop);
            foreach (var symbol in added)
            {
                _subscriptions[symbol] = Subscribing.Instance;
                try
                {
                    _subscriptions[symbol] = await hub.SubscribeAsync(symbol, _connection, stop);
                }
                catch
                {
                    _subscriptions.TryRemove(symbol, out _);
                    throw;
                }
            }
        }

        private async Task SendUpdatesAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                // No keep-alive to send here (WebSocket pings are Kestrel's), so no timeout timer per idle connection.
                var updates = await _connection.TakeAsync(Timeout.InfiniteTimeSpan, stop);
                for (var i = 0; i < updates.Count; i++)
                {
                    var update = updates[i];
                    // A symbol unsubscribed while its update was pending is not sent: checked under the send lock, so no
                    // update of it can follow the `unsubscribed` message.
                    await SendBytesAsync(encoded.SpotPriceUpdate(update), stop, update.Quote.Symbol);
                }

            }
        }

        private Task SendAsync(ServerMessage message, CancellationToken stop) =>
            SendBytesAsync(JsonSerializer.SerializeToUtf8Bytes(message with { Timestamp = DateTimeOffset.UtcNow }, Json), stop);

        /// <param name="updateOf">The symbol whose update this is: sent only while the symbol is still subscribed.</param>
        private async Task SendBytesAsync(ReadOnlyMemory<byte> message, CancellationToken stop, string? updateOf = null)
        {
            await _send.WaitAsync(stop);
            try
            {
                if (updateOf is not null && !_subscriptions.ContainsKey(updateOf)) return;
                await socket.SendAsync(message, WebSocketMessageType.Text, true, stop);
            }
            finally
            {
                _send.Release();
            }
        }
    }

    private sealed record ClientMessage(string? Action, IReadOnlyList<string>? Symbols);

    /// <summary>Stands for a subscription being made, so the symbol counts as wanted while it is.</summary>
    private sealed class Subscribing : IAsyncDisposable
    {
        public static Subscribing Instance { get; } = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>The status messages: `subscribed`, `unsubscribed`, `error` (updates are encoded by <see cref="EncodedQuotes"/>).</summary>
    private sealed record ServerMessage(
        string Type,
        string? Message = null,
        IReadOnlyList<string>? Symbols = null,
        IReadOnlyList<string>? Subscribed = null,
        DateTimeOffset? Timestamp = null);
}
