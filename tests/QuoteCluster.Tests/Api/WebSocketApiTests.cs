using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace QuoteCluster.Tests.Api;

/// <summary>The WebSocket push on the embedded default.</summary>
public class WebSocketApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{

    [Fact]
    public async Task Subscribe_gets_a_status_message_the_snapshot_then_spot_price_updates()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, """{"action":"subscribe","symbols":["aapl","MSFT"]}""");

        var status = await NextAsync(socket, "subscribed");
        Assert.Equal(["AAPL", "MSFT"], Strings(status, "symbols"));

        var seen = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            var message = await NextAsync(socket, "spot_price_update");
            Assert.True(message.TryGetProperty("timestamp", out _));
            var update = message.GetProperty("update");
            foreach (var field in new[] { "symbol", "bid_price", "ask_price", "mid_price", "last_price", "timestamp" })
            {
                Assert.True(update.TryGetProperty(field, out _), $"an update lacks {field}");
            }

            Assert.Equal((update.GetProperty("bid_price").GetDouble() + update.GetProperty("ask_price").GetDouble()) / 2, update.GetProperty("mid_price").GetDouble(), 6);
            seen.Add(update.GetProperty("symbol").GetString()!);
        }

        Assert.Equal(["AAPL", "MSFT"], seen.Order());
    }

    [Fact]
    public async Task Unsubscribe_stops_a_symbol()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, """{"action":"subscribe","symbols":["AAPL","NVDA"]}""");
        await NextAsync(socket, "subscribed");
        await SendAsync(socket, """{"action":"unsubscribe","symbols":["NVDA"]}""");
        var status = await NextAsync(socket, "unsubscribed");
        Assert.Equal(["AAPL"], Strings(status, "subscribed"));

        // Messages arrive in the order they were sent: nothing of NVDA may follow the acknowledgement.
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal("AAPL", (await NextAsync(socket, "spot_price_update")).GetProperty("update").GetProperty("symbol").GetString());
        }
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"action":"dance","symbols":["AAPL"]}""")]
    [InlineData("""{"action":"subscribe","symbols":[]}""")]
    [InlineData("""{"action":"subscribe","symbols":["b@d"]}""")]
    [InlineData("""{"action":"subscribe","symbols":["NOTTRACKED"]}""")]
    public async Task A_bad_message_gets_an_error_message_and_the_socket_stays_open(string message)
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, message);
        var error = await NextAsync(socket, "error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));

        await SendAsync(socket, """{"action":"subscribe","symbols":["AAPL"]}""");
        await NextAsync(socket, "subscribed");
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Without_the_token_the_upgrade_is_refused()
    {
        var client = factory.Server.CreateWebSocketClient();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(new Uri(factory.Server.BaseAddress, "/api/ws"), CancellationToken.None));
        Assert.Contains("401", error.Message);
    }

    private async Task<WebSocket> ConnectAsync()
    {
        // A program, not a browser: it may send the header (browsers use a ticket, see SecurityApiTests).
        var client = factory.Server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {EmbeddedApiFactory.Token}";
        return await client.ConnectAsync(new Uri(factory.Server.BaseAddress, "/api/ws"), CancellationToken.None);
    }

    private static Task SendAsync(WebSocket socket, string text) => WebSocketMessages.SendAsync(socket, text);

    private static Task<JsonElement> NextAsync(WebSocket socket, string type) => WebSocketMessages.NextAsync(socket, type);

    private static string[] Strings(JsonElement message, string property) =>
        [.. message.GetProperty(property).EnumerateArray().Select(e => e.GetString()!)];
}
