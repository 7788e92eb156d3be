using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace QuoteCluster.LoadTool;

/// <summary>Many SSE and WebSocket clients of one gateway, counting messages and sampling latency.</summary>
internal sealed class LoadClients(Uri gateway, string token, int latencySampleEvery)
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = gateway,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly Lock _samplesGate = new();
    private readonly List<double> _latencyMs = [];
    private long _messages;
    private long _seen;

    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>What the gateway ingests: on the embedded default, its twenty tickers.</summary>
    public async Task<IReadOnlyList<string>> IngestedSymbolsAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/subscriptions");
        request.Headers.Authorization = new("Bearer", token);
        using var response = await _http.SendAsync(request);
        using var body = JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStreamAsync());
        return [.. body.RootElement.GetProperty("symbols").EnumerateArray().Select(e => e.GetString()!)];
    }

    public void ResetLatency()
    {
        lock (_samplesGate) _latencyMs.Clear();
    }

    public (double P50, double P99, int Samples) Latency()
    {
        lock (_samplesGate)
        {
            if (_latencyMs.Count == 0) return (double.NaN, double.NaN, 0);
            var sorted = _latencyMs.Order().ToArray();
            return (sorted[(int)(sorted.Length * 0.50)], sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))], sorted.Length);
        }
    }

    /// <summary>An SSE client; latency from the quote's exchange time (`ts`), which the feed stamps when it sends.</summary>
    public async Task RunSseAsync(string symbols, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/stream/prices?symbols={symbols}");
        request.Headers.Authorization = new("Bearer", token);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
        while (!stop.IsCancellationRequested)
        {
            var line = await reader.ReadLineAsync(stop);
            if (line is null) return;
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            Interlocked.Increment(ref _messages);
            if (Interlocked.Increment(ref _seen) % latencySampleEvery != 0) continue;
            using var quote = JsonDocument.Parse(line.AsMemory(6));
            Sample(quote.RootElement.GetProperty("ts").GetDateTimeOffset());
        }
    }

    /// <summary>A WebSocket client; `spot_price_update` carries the exchange time, which the simulator stamps at sending.</summary>
    public async Task RunWebSocketAsync(IReadOnlyList<string>? symbols, CancellationToken stop)
    {
        using var socket = await ConnectWebSocketAsync(stop);
        if (symbols is not null)
        {
            var subscribe = JsonSerializer.SerializeToUtf8Bytes(new { action = "subscribe", symbols });
            await socket.SendAsync(subscribe, WebSocketMessageType.Text, true, stop);
        }

        var buffer = new byte[16 * 1024];
        while (!stop.IsCancellationRequested)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), stop);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close) return;
            var message = buffer.AsSpan(0, length);
            if (message.IndexOf("spot_price_update"u8) < 0) continue;
            Interlocked.Increment(ref _messages);
            if (Interlocked.Increment(ref _seen) % latencySampleEvery != 0) continue;
            using var parsed = JsonDocument.Parse(buffer.AsMemory(0, length));
            Sample(parsed.RootElement.GetProperty("update").GetProperty("timestamp").GetDateTimeOffset());
        }
    }

    public async Task<ClientWebSocket> ConnectWebSocketAsync(CancellationToken stop)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        var uri = new UriBuilder(gateway) { Scheme = "ws", Path = "/api/ws" }.Uri;
        await socket.ConnectAsync(uri, stop);
        return socket;
    }

    private void Sample(DateTimeOffset since)
    {
        var ms = QuoteCluster.Quotes.QuoteLatency.Since(since, DateTimeOffset.UtcNow).TotalMilliseconds;
        lock (_samplesGate) _latencyMs.Add(ms);
    }
}
