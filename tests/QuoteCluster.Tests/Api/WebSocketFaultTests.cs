using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using QuoteCluster.Feeds;
using Microsoft.Extensions.Logging;
using QuoteCluster.Ingest;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Api;

/// <summary>WebSocket clients where the market is quiet or the cluster is failing over.</summary>
public sealed class WebSocketFaultTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_quiet_symbol_subscribed_gets_its_snapshot()
    {
        await using var factory = new EmbeddedApiFactory();
        using var http = factory.CreateAuthorizedClient();
        var symbols = await IngestedAsync(http);

        // Every symbol has a quote; then the market goes quiet, so the snapshot is all a new subscriber can get.
        await Eventually.Until(async () => (await http.GetFromJsonAsync<JsonElement[]>("/api/quotes"))!.Length, n => n == symbols.Length, Wait, "every symbol to have a quote");
        var cluster = factory.Services.GetRequiredService<IClusterClient>();
        await cluster.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey).StopAsync("the market closes for this test");

        using var socket = await ConnectAsync(factory);
        await SendAsync(socket, JsonSerializer.Serialize(new { action = "subscribe", symbols }));
        await NextAsync(socket, "subscribed");
        var seen = new HashSet<string>();
        while (seen.Count < symbols.Length)
        {
            var update = await NextAsync(socket, "spot_price_update");
            seen.Add(update.GetProperty("update").GetProperty("symbol").GetString()!);
        }

        Assert.Equal(symbols.Order(), seen.Order());
    }

    [Fact]
    public async Task A_subscribe_the_cluster_cannot_serve_yet_gets_an_error_and_the_socket_stays_open()
    {
        var feeds = new FailingFeedFactory();
        await using var factory = new EmbeddedApiFactory().WithWebHostBuilder(b =>
            b.ConfigureTestServices(s => s.AddSingleton<IMarketDataFeedFactory>(sp => feeds.Wrapping(sp))));

        // While the ingest grain cannot activate, every question about what is ingested fails.
        using var socket = await ConnectAsync(factory);
        await SendAsync(socket, """{"action":"subscribe","symbols":["AAPL"]}""");
        var error = await NextAsync(socket, "error");
        Assert.Contains("again", error.GetProperty("message").GetString());
        Assert.Equal(WebSocketState.Open, socket.State);

        feeds.Failing = false;
        await Eventually.Until(
            async () =>
            {
                await SendAsync(socket, """{"action":"subscribe","symbols":["AAPL"]}""");
                var reply = await NextAsync(socket, "subscribed", "error");
                return reply.GetProperty("type").GetString();
            },
            type => type == "subscribed", Wait, "a subscribe to succeed once the ingest grain can start");
        await NextAsync(socket, "spot_price_update");
    }

    private static async Task<string[]> IngestedAsync(HttpClient http)
    {
        var subscriptions = await http.GetFromJsonAsync<JsonElement>("/api/subscriptions");
        return [.. subscriptions.GetProperty("symbols").EnumerateArray().Select(e => e.GetString()!)];
    }

    private static async Task<WebSocket> ConnectAsync(WebApplicationFactory<QuoteCluster.Api.QuoteView> factory)
    {
        var client = factory.Server.CreateWebSocketClient();
        client.ConfigureRequest = r => r.Headers.Authorization = $"Bearer {EmbeddedApiFactory.Token}";
        return await client.ConnectAsync(new Uri(factory.Server.BaseAddress, "/api/ws"), CancellationToken.None);
    }

    private static Task SendAsync(WebSocket socket, string text) => WebSocketMessages.SendAsync(socket, text);

    private static Task<JsonElement> NextAsync(WebSocket socket, params string[] types) => WebSocketMessages.NextAsync(socket, types);

    /// <summary>The configured feed, except that while <see cref="Failing"/> it cannot be made, so the ingest grain cannot activate.</summary>
    private sealed class FailingFeedFactory
    {
        public volatile bool Failing = true;

        public IMarketDataFeedFactory Wrapping(IServiceProvider services)
        {
            var options = services.GetRequiredService<QuoteCluster.Configuration.QuoteClusterOptions>();
            var real = new QuoteCluster.Hosting.MarketDataFeedFactory(options, TimeProvider.System, services.GetRequiredService<ILoggerFactory>());
            return new Factory(this, real);
        }

        private sealed class Factory(FailingFeedFactory owner, IMarketDataFeedFactory real) : IMarketDataFeedFactory
        {
            public IMarketDataFeed Create() => owner.Failing ? throw new InvalidOperationException("the feed cannot start (test fault)") : real.Create();
        }
    }
}
