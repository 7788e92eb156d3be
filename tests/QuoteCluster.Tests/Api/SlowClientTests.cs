using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Api;

/// <summary>The embedded default on a real port with a busy feed: 2,000 quotes/s over its twenty tickers.</summary>
public sealed class BusyApiFactory : KestrelApiFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("SIMULATED_QUOTES_PER_SEC", "2000");

        // The dashboard's history grows the heap on its own; the slow-client test measures the gateway's.
        builder.UseSetting("ORLEANS_DASHBOARD", "0");
    }
}

public sealed class SlowClientTests(BusyApiFactory factory) : IClassFixture<BusyApiFactory>
{
    [Fact]
    public async Task A_client_that_reads_nothing_for_a_minute_leaves_memory_flat_and_then_gets_the_latest_state()
    {
        // A tiny receive window, so the gateway's writes to this client really stall once the socket buffers are full.
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        { BaseAddress = factory.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new("Bearer", EmbeddedApiFactory.Token);
        var symbols = (await http.GetFromJsonAsync<JsonElement>("/api/subscriptions")).GetProperty("symbols").EnumerateArray().Select(e => e.GetString()!).ToList();

        using var response = await http.GetAsync($"/api/stream/prices?symbols={string.Join(',', symbols)}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStreamAsync();

        await Task.Delay(TimeSpan.FromSeconds(10));
        var early = GC.GetTotalMemory(forceFullCollection: true);
        await Task.Delay(TimeSpan.FromSeconds(50));
        var late = GC.GetTotalMemory(forceFullCollection: true);

        // Queued events would add at least 7.5 MB here (about 1,000 events/s of ~150-byte updates to this one client,
        // more once serialized); with conflation the heap moves by a few MB of unrelated churn (4 MB measured).
        Assert.True(late - early < 10 * 1024 * 1024, $"the managed heap grew {(late - early) / 1e6:F1} MB in 50 s while the client read nothing");

        var latest = new Dictionary<string, long>();
        foreach (var symbol in symbols)
        {
            var quote = await http.GetFromJsonAsync<JsonElement>($"/api/quotes/{symbol}");
            latest[symbol] = quote.GetProperty("version").GetInt64();
        }

        // Reading again: what the socket buffers held comes first, then, within seconds, every symbol at or past the
        // version it had when reading resumed.
        using var sse = new SseReader(body);
        var caughtUp = new HashSet<string>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (caughtUp.Count < symbols.Count && DateTime.UtcNow < deadline)
        {
            var (id, quote) = await sse.NextQuoteAsync(TimeSpan.FromSeconds(10));
            var symbol = quote.GetProperty("symbol").GetString()!;
            if (id >= latest[symbol]) caughtUp.Add(symbol);
        }

        Assert.Equal(symbols.Count, caughtUp.Count);
    }
}
