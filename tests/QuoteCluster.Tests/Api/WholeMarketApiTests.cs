using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Api;

/// <summary>
/// The embedded default with MONITORED_SYMBOLS=*: the real Alpaca client subscribes `*` on the embedded simulator, whose
/// market is 100 symbols, and MAX_SYMBOLS admits 40 of them.
/// </summary>
public sealed class WholeMarketApiFactory : EmbeddedApiFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("MONITORED_SYMBOLS", "*");
        builder.UseSetting("SIMULATED_UNIVERSE", "100");
        builder.UseSetting("MAX_SYMBOLS", "40");
        builder.UseSetting("SIMULATED_QUOTES_PER_SEC", "4000");
    }
}

public class WholeMarketApiTests(WholeMarketApiFactory factory) : IClassFixture<WholeMarketApiFactory>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http = factory.CreateAuthorizedClient();

    private async Task<string[]> DiscoveredAsync() =>
        (await Eventually.Until(
            async () => (await _http.GetFromJsonAsync<JsonElement>("/api/subscriptions")).GetProperty("symbols").EnumerateArray().Select(s => s.GetString()!).ToArray(),
            s => s.Length == 40, Wait, "40 symbols discovered"));

    [Fact]
    public async Task Subscriptions_list_the_symbols_discovered_up_to_MAX_SYMBOLS_and_the_status_counts_the_dropped()
    {
        var symbols = await DiscoveredAsync();
        var universe = QuoteGenerator.Universe(100);
        Assert.All(symbols, s => Assert.Contains(s, universe));

        var status = await Eventually.Until(() => _http.GetFromJsonAsync<JsonElement>("/api/stream/status"),
            s => s.GetProperty("dropped_symbols").GetInt32() == 60, Wait, "60 symbols dropped");
        Assert.True(status.GetProperty("all_symbols").GetBoolean());
        Assert.True(status.GetProperty("dropped_quotes").GetInt64() > 0);
        Assert.Equal(40, status.GetProperty("stream_count").GetInt32());
    }

    [Fact]
    public async Task Quotes_are_served_for_discovered_symbols_and_not_for_dropped_ones()
    {
        var symbols = await DiscoveredAsync();
        var all = await Eventually.Until(async () => await _http.GetFromJsonAsync<JsonElement[]>("/api/quotes") ?? [],
            q => q.Length == 40, Wait, "a quote of every discovered symbol");
        Assert.Equal(symbols.Order(), all.Select(q => q.GetProperty("symbol").GetString()!).Order());

        var dropped = QuoteGenerator.Universe(100).First(s => !symbols.Contains(s));
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/quotes/{dropped}")).StatusCode);
    }

    [Fact]
    public async Task Adding_or_removing_symbols_is_refused_with_409_while_every_symbol_is_ingested()
    {
        var add = await _http.PostAsJsonAsync("/api/subscriptions", new { symbols = new[] { "ZZZZ" } });
        Assert.Equal(HttpStatusCode.Conflict, add.StatusCode);
        Assert.Contains("MONITORED_SYMBOLS=*", await add.Content.ReadAsStringAsync());

        var remove = await _http.DeleteAsync("/api/subscriptions/SPY");
        Assert.Equal(HttpStatusCode.Conflict, remove.StatusCode);
        Assert.Contains("all_symbols", await remove.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_symbol_not_listed_yet_is_404_saying_when_it_will_be_not_that_it_can_be_added()
    {
        // Adding is refused with 409 under *, so pointing at POST /api/subscriptions would send the client into a wall.
        var response = await _http.GetAsync("/api/quotes/ZZZZ");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("not_tracked", text);
        Assert.Contains("MONITORED_SYMBOLS=*", text);
        Assert.Contains("first quote", text);
        Assert.DoesNotContain("POST /api/subscriptions", text);

        var client = factory.Server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {EmbeddedApiFactory.Token}";
        using var socket = await client.ConnectAsync(new Uri(factory.Server.BaseAddress, "/api/ws"), CancellationToken.None);
        await WebSocketMessages.SendAsync(socket, """{"action":"subscribe","symbols":["ZZZZ"]}""");
        var error = (await WebSocketMessages.NextAsync(socket, "error")).GetProperty("message").GetString()!;
        Assert.Contains("MONITORED_SYMBOLS=*", error);
        Assert.DoesNotContain("POST /api/subscriptions", error);
    }
}
