using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace QuoteCluster.Tests.Api;

/// <summary>Stream tickets as browsers use them, and the limits that keep one client from loading the cluster.</summary>
public sealed class SecurityApiTests(SecurityApiFactory factory) : IClassFixture<SecurityApiFactory>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_ticket_got_with_a_jwt_opens_the_sse_stream_and_a_websocket_for_about_a_minute()
    {
        var http = factory.CreateClient();
        var jwt = factory.Identity.Mint(SecurityApiFactory.FirebaseIssuer, SecurityApiFactory.FirebaseProject,
            new Dictionary<string, object> { ["sub"] = "browser-user", ["tenant_id"] = SecurityApiFactory.Tenant });
        http.DefaultRequestHeaders.Authorization = new("Bearer", jwt);
        using var issued = await http.PostAsync("/api/stream/tickets", null);
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        var body = await issued.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("read", body.GetProperty("role").GetString());
        var lifetime = body.GetProperty("expires_at").GetDateTimeOffset() - DateTimeOffset.UtcNow;
        Assert.InRange(lifetime, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(61));
        var ticket = Uri.EscapeDataString(body.GetProperty("ticket").GetString()!);

        var anonymous = factory.CreateClient();
        using var stream = await anonymous.GetAsync($"/api/stream/prices?symbols=AAPL&ticket={ticket}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using var sse = new SseReader(await stream.Content.ReadAsStreamAsync());
        Assert.Equal("AAPL", (await sse.NextQuoteAsync(Wait)).Quote.GetProperty("symbol").GetString());

        var client = factory.Server.CreateWebSocketClient();
        using var socket = await client.ConnectAsync(new Uri(factory.Server.BaseAddress, $"/api/ws?ticket={ticket}"), CancellationToken.None);
        await SendAsync(socket, """{"action":"subscribe","symbols":["AAPL"]}""");
        Assert.Equal("subscribed", (await ReceiveAsync(socket)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Ticket_requests_are_rate_limited_per_client_with_a_clear_429()
    {
        var limited = factory.CreateClient();
        limited.DefaultRequestHeaders.Authorization = new("Bearer", SecurityApiFactory.TicketLimitToken);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 15 && refused is null; i++)
        {
            var response = await limited.PostAsync("/api/stream/tickets", null);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
        }

        Assert.NotNull(refused);
        Assert.True(statuses.Count > 5, $"refused after {statuses.Count} requests");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("rate_limited", await refused.Content.ReadAsStringAsync());

        // Another client's budget is its own.
        var other = factory.CreateClient();
        other.DefaultRequestHeaders.Authorization = new("Bearer", SecurityApiFactory.ReadToken);
        Assert.Equal(HttpStatusCode.OK, (await other.PostAsync("/api/stream/tickets", null)).StatusCode);
    }

    [Fact]
    public async Task WebSocket_control_messages_over_the_clients_rate_are_refused_with_an_error_and_the_socket_stays_open()
    {
        var client = factory.Server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {SecurityApiFactory.MessageLimitToken}";
        using var socket = await client.ConnectAsync(new Uri(factory.Server.BaseAddress, "/api/ws"), CancellationToken.None);

        const int sent = 60;
        for (var i = 0; i < sent; i++) await SendAsync(socket, """{"action":"unsubscribe","symbols":["AAPL"]}""");
        var replies = new List<JsonElement>();
        for (var i = 0; i < sent; i++) replies.Add(await ReceiveAsync(socket));

        var refused = replies.Count(r => r.GetProperty("type").GetString() == "error" && r.GetProperty("message").GetString()!.Contains("Too many messages", StringComparison.Ordinal));
        var handled = replies.Count(r => r.GetProperty("type").GetString() == "unsubscribed");
        Assert.True(refused > 0, "no message was refused");
        Assert.Equal(sent, refused + handled);

        // Once the budget refills, the socket works as before.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await SendAsync(socket, """{"action":"subscribe","symbols":["AAPL"]}""");
        Assert.Equal("subscribed", (await ReceiveAsync(socket)).GetProperty("type").GetString());
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Quotes_of_symbols_not_ingested_are_refused_naming_them_and_no_grain_is_activated()
    {
        var http = Admin();
        using var response = await http.GetAsync("/api/quotes?symbols=AAPL,NOPEA,NOPEB");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("not_tracked", text);
        Assert.Contains("NOPEA, NOPEB", text);

        var statistics = await factory.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        Assert.DoesNotContain(statistics, s => s.GrainId.Key.ToString() is "NOPEA" or "NOPEB");
    }

    [Fact]
    public async Task A_subscription_body_over_the_limit_gets_413_and_too_many_symbols_get_400_and_nothing_is_added()
    {
        var http = Admin();
        var before = await SymbolsAsync(http);

        // Well-formed symbols, so only the size can refuse them.
        var huge = new { symbols = Enumerable.Range(0, 10_000).Select(i => $"BIG{i}").ToArray() };
        using var tooLarge = await http.PostAsJsonAsync("/api/subscriptions", huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains("body_too_large", await tooLarge.Content.ReadAsStringAsync());

        using var declared = new ByteArrayContent(new byte[100_000]);
        declared.Headers.ContentType = new("application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await http.PostAsync("/api/subscriptions", declared)).StatusCode);

        var many = new { symbols = Enumerable.Range(0, 1001).Select(i => $"M{i}").ToArray() };
        using var tooMany = await http.PostAsJsonAsync("/api/subscriptions", many);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("too_many_symbols", await tooMany.Content.ReadAsStringAsync());

        Assert.Equal(before, await SymbolsAsync(http));
    }

    [Fact]
    public async Task Readiness_probes_share_a_cached_state_instead_of_calling_the_cluster_each_time()
    {
        var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz")).StatusCode);
        var before = factory.StatusCalls.Count;
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => anonymous.GetAsync("/readyz")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));

        // At most one refresh can fall due while the 50 run.
        Assert.InRange(factory.StatusCalls.Count - before, 0, 1);
    }

    private HttpClient Admin()
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", EmbeddedApiFactory.Token);
        return http;
    }

    private static async Task<List<string?>> SymbolsAsync(HttpClient http) =>
        [.. (await http.GetFromJsonAsync<JsonElement>("/api/subscriptions")).GetProperty("symbols").EnumerateArray().Select(e => e.GetString())];

    private static Task SendAsync(WebSocket socket, string text) => WebSocketMessages.SendAsync(socket, text);

    /// <summary>The next status message (`subscribed`, `unsubscribed`, `error`); quote updates are skipped.</summary>
    private static Task<JsonElement> ReceiveAsync(WebSocket socket) => WebSocketMessages.NextAsync(socket, type => type != "spot_price_update");
}
