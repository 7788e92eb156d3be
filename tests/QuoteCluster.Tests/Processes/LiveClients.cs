using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using QuoteCluster.Tests.Api;

namespace QuoteCluster.Tests.Processes;

/// <summary>
/// Streaming clients of one gateway, as users run them: each reads every symbol, reconnects when the gateway drops it,
/// and records when each update of each symbol arrived, so a test can judge every symbol at every client.
/// </summary>
public sealed class LiveClients : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];

    private LiveClients(IReadOnlyList<LiveClient> clients) => Clients = clients;

    public IReadOnlyList<LiveClient> Clients { get; }

    /// <summary>One SSE client and one WebSocket client, both of every symbol, through <paramref name="gateway"/>.</summary>
    public static LiveClients Start(Func<Uri> gateway, string token, IReadOnlyList<string> symbols)
    {
        var sse = new LiveClient("sse", symbols);
        var webSocket = new LiveClient("websocket", symbols);
        var clients = new LiveClients([sse, webSocket]);
        clients._running.Add(Task.Run(() => sse.RunSseAsync(gateway, token, clients._stop.Token)));
        clients._running.Add(Task.Run(() => webSocket.RunWebSocketAsync(gateway, token, clients._stop.Token)));
        return clients;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}

/// <summary>One client's arrivals per symbol, and its (re)connections.</summary>
public sealed class LiveClient(string name, IReadOnlyList<string> symbols)
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>> _arrivals =
        new(symbols.Select(s => KeyValuePair.Create(s, new ConcurrentQueue<DateTimeOffset>())));
    private readonly ConcurrentQueue<DateTimeOffset> _connections = new();

    public string Name { get; } = name;

    public IReadOnlyList<string> Symbols { get; } = symbols;

    /// <summary>When each connection was made (its response or upgrade accepted).</summary>
    public IReadOnlyList<DateTimeOffset> Connections => [.. _connections];

    public IReadOnlyList<DateTimeOffset> ArrivalsOf(string symbol) => [.. _arrivals[symbol]];

    internal async Task RunSseAsync(Func<Uri> gateway, string token, CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(gateway(), $"api/stream/prices?symbols={string.Join(',', Symbols)}"), HttpCompletionOption.ResponseHeadersRead, stop);
                response.EnsureSuccessStatusCode();
                _connections.Enqueue(DateTimeOffset.UtcNow);
                using var reader = new SseReader(await response.Content.ReadAsStreamAsync(stop));
                await using var closeOnStop = stop.Register(response.Dispose);
                while (!stop.IsCancellationRequested)
                {
                    var (_, quote) = await reader.NextQuoteAsync(TimeSpan.FromSeconds(30));
                    Record(quote.GetProperty("symbol").GetString()!);
                }
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                await Task.Delay(200, CancellationToken.None);
            }
        }
    }

    internal async Task RunWebSocketAsync(Func<Uri> gateway, string token, CancellationToken stop)
    {
        var buffer = new byte[64 * 1024];
        while (!stop.IsCancellationRequested)
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
            try
            {
                var http = gateway();
                await socket.ConnectAsync(new UriBuilder(http) { Scheme = http.Scheme == "https" ? "wss" : "ws", Path = "api/ws" }.Uri, stop);
                _connections.Enqueue(DateTimeOffset.UtcNow);
                var subscribe = JsonSerializer.SerializeToUtf8Bytes(new { action = "subscribe", symbols = Symbols });
                await socket.SendAsync(subscribe, WebSocketMessageType.Text, true, stop);
                while (!stop.IsCancellationRequested)
                {
                    var message = await ReceiveAsync(socket, buffer, stop);
                    if (message is null) break;
                    using var json = JsonDocument.Parse(message);
                    if (json.RootElement.GetProperty("type").GetString() == "spot_price_update")
                    {
                        Record(json.RootElement.GetProperty("update").GetProperty("symbol").GetString()!);
                    }
                }
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
            }

            if (!stop.IsCancellationRequested) await Task.Delay(200, CancellationToken.None);
        }
    }

    private static async Task<string?> ReceiveAsync(ClientWebSocket socket, byte[] buffer, CancellationToken stop)
    {
        var text = new StringBuilder();
        while (true)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            if (result.EndOfMessage) return text.ToString();
        }
    }

    private void Record(string symbol)
    {
        if (_arrivals.TryGetValue(symbol, out var arrivals)) arrivals.Enqueue(DateTimeOffset.UtcNow);
    }
}
