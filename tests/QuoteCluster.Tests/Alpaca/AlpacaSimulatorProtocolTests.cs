using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Feeds.Alpaca;

namespace QuoteCluster.Tests.Alpaca;

/// <summary>
/// The simulator as the official SDKs meet it (docs/alpaca.md): a raw WebSocket sends what the SDKs send and reads
/// what comes back, with no client of ours in between.
/// </summary>
public sealed class AlpacaSimulatorProtocolTests : IAsyncLifetime
{
    private AlpacaSimulatorServer _simulator = null!;

    public async Task InitializeAsync() =>
        _simulator = await AlpacaSimulatorServer.StartAsync(new SimulatorOptions { Rate = 200, Key = "k", Secret = "s", AuthTimeout = TimeSpan.FromSeconds(1) });

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    [Fact]
    public async Task Auth_sent_before_connected_in_a_binary_frame_is_accepted_as_the_JS_and_CSharp_SDKs_need()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, """{"action":"auth","key":"k","secret":"s"}""", WebSocketMessageType.Binary);
        Assert.Equal("connected", (await ReceiveAsync(socket))[0].GetProperty("msg").GetString());
        Assert.Equal("authenticated", (await ReceiveAsync(socket))[0].GetProperty("msg").GetString());
    }

    [Fact]
    public async Task Subscriptions_are_deltas_answered_with_full_lists_and_duplicates_change_nothing()
    {
        using var socket = await AuthenticatedAsync();

        // JS v3 sends every channel key, empty where unused; JS v4 only the one it changes.
        await SendAsync(socket, """{"action":"subscribe","trades":["AAPL"],"quotes":["AMD","CLDR"],"bars":["*"],"updatedBars":[],"dailyBars":[],"statuses":[],"lulds":[]}""");
        var first = await ReceiveControlAsync(socket);
        Assert.Equal("subscription", first.GetProperty("T").GetString());
        Assert.Equal(["AMD", "CLDR"], Strings(first, "quotes").Order());
        Assert.Equal(["AAPL"], Strings(first, "corrections"));
        Assert.Equal(["AAPL"], Strings(first, "cancelErrors"));
        Assert.Equal(["*"], Strings(first, "bars"));

        await SendAsync(socket, """{"action":"subscribe","quotes":["AMD"]}""");
        Assert.Equal(["AMD", "CLDR"], Strings(await ReceiveControlAsync(socket), "quotes").Order());

        await SendAsync(socket, """{"action":"unsubscribe","bars":["*"],"quotes":["CLDR"]}""");
        var last = await ReceiveControlAsync(socket);
        Assert.Equal(["AMD"], Strings(last, "quotes"));
        Assert.Empty(Strings(last, "bars"));
        Assert.Equal(["AAPL"], Strings(last, "trades"));
    }

    [Theory]
    [InlineData("""{"action":"subscribe","quotes":["AAPL"]}""", false, 401)]
    [InlineData("""{"action":"auth","key":"k","secret":"wrong"}""", false, 402)]
    [InlineData("""{"action":"auth","key":"k","secret":"s"}""", true, 403)]
    [InlineData("""{"action":"subscribe","quotes":["not a symbol"]}""", true, 400)]
    [InlineData("""not json""", true, 400)]
    [InlineData("""{"action":"subscribe","orderbooks":["AAPL"]}""", true, 410)]
    public async Task Each_error_of_the_table_in_its_situation(string request, bool authenticateFirst, int code)
    {
        using var socket = authenticateFirst ? await AuthenticatedAsync() : await ConnectedAsync();
        await SendAsync(socket, request);
        var error = await ReceiveControlAsync(socket);
        Assert.Equal("error", error.GetProperty("T").GetString());
        Assert.Equal(code, error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task No_auth_within_the_timeout_gets_404()
    {
        using var socket = await ConnectedAsync();
        var error = await ReceiveControlAsync(socket);
        Assert.Equal(404, error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Header_auth_authenticates_on_connect()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("APCA-API-KEY-ID", "k");
        socket.Options.SetRequestHeader("APCA-API-SECRET-KEY", "s");
        await socket.ConnectAsync(new Uri(_simulator.Url, "/v2/iex"), CancellationToken.None);
        Assert.Equal("connected", (await ReceiveAsync(socket))[0].GetProperty("msg").GetString());
        Assert.Equal("authenticated", (await ReceiveAsync(socket))[0].GetProperty("msg").GetString());
    }

    [Fact]
    public async Task A_second_session_for_the_same_key_gets_406()
    {
        using var first = await AuthenticatedAsync();
        using var second = await ConnectedAsync();
        await SendAsync(second, """{"action":"auth","key":"k","secret":"s"}""");
        Assert.Equal(406, (await ReceiveControlAsync(second)).GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Data_messages_carry_the_fields_the_CSharp_SDK_requires()
    {
        using var socket = await AuthenticatedAsync();
        await SendAsync(socket, """{"action":"subscribe","quotes":["AAPL"],"trades":["AAPL"]}""");
        await ReceiveControlAsync(socket);
        var quote = await ReceiveItemAsync(socket, "q");
        foreach (var field in new[] { "T", "S", "t", "bx", "ax", "bp", "ap", "bs", "as", "c", "z" })
        {
            Assert.True(quote.TryGetProperty(field, out _), $"quote lacks {field}");
        }

        Assert.True(DateTimeOffset.TryParse(quote.GetProperty("t").GetString(), out _));
        var trade = await ReceiveItemAsync(socket, "t");
        foreach (var field in new[] { "T", "S", "t", "i", "x", "p", "s", "c", "z" })
        {
            Assert.True(trade.TryGetProperty(field, out _), $"trade lacks {field}");
        }
    }

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(_simulator.Url, "/v2/iex"), CancellationToken.None);
        return socket;
    }

    private async Task<ClientWebSocket> ConnectedAsync()
    {
        var socket = await ConnectAsync();
        Assert.Equal("connected", (await ReceiveAsync(socket))[0].GetProperty("msg").GetString());
        return socket;
    }

    private async Task<ClientWebSocket> AuthenticatedAsync()
    {
        var socket = await ConnectedAsync();
        await SendAsync(socket, """{"action":"auth","key":"k","secret":"s"}""");
        Assert.Equal("authenticated", (await ReceiveAsync(socket))[0].GetProperty("msg").GetString());
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, string json, WebSocketMessageType type = WebSocketMessageType.Text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), type, true, CancellationToken.None);

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[1 << 16];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            length += result.Count;
            if (result.EndOfMessage) break;
        }

        return JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement;
    }

    /// <summary>The next control message (success, error, subscription), skipping data.</summary>
    private static async Task<JsonElement> ReceiveControlAsync(ClientWebSocket socket)
    {
        while (true)
        {
            var message = await ReceiveAsync(socket);
            var type = message[0].GetProperty("T").GetString();
            if (type is "success" or "error" or "subscription")
            {
                Assert.Equal(1, message.GetArrayLength());
                return message[0];
            }
        }
    }

    private static async Task<JsonElement> ReceiveItemAsync(ClientWebSocket socket, string type)
    {
        while (true)
        {
            foreach (var item in (await ReceiveAsync(socket)).EnumerateArray())
            {
                if (item.GetProperty("T").GetString() == type) return item;
            }
        }
    }

    private static string[] Strings(JsonElement message, string channel) =>
        [.. message.GetProperty(channel).EnumerateArray().Select(e => e.GetString()!)];
}
