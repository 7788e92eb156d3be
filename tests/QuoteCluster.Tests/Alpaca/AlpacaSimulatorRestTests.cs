using System.Net;
using System.Text.Json;
using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Alpaca;

/// <summary>
/// The simulator's market-data REST API as an SDK meets it (docs/alpaca.md): plain HTTP requests with the key headers,
/// and the JSON that comes back, with no client of ours in between.
/// </summary>
public sealed class AlpacaSimulatorRestTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private AlpacaHarness _harness = null!;
    private readonly HttpClient _http = new();

    private AlpacaSimulatorServer Simulator => _harness.Simulator;

    public async Task InitializeAsync() =>
        _harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 300, TradeRatio = 0.3, Unlisted = ["NOPE"], DenyFeeds = ["sip"] });

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _harness.DisposeAsync();
    }

    [Fact]
    public async Task Snapshots_of_streamed_symbols_are_the_latest_quote_and_trade_the_stream_sent()
    {
        var (client, sink) = await _harness.ConnectAsync(_harness.Settings(), ["AAPL", "MSFT"]);
        await Eventually.Until(() => sink.Latest.Count == 2 && sink.Latest.Values.All(q => q.LastPrice is not null), Timeout, "quotes and trades of both");

        // Hold the market still, so the stream's last word and the REST answer can be compared.
        Simulator.Faults.Silent = true;
        await Task.Delay(300);
        var snapshots = await GetAsync("/v2/stocks/snapshots?symbols=AAPL,MSFT&feed=iex");
        foreach (var symbol in new[] { "AAPL", "MSFT" })
        {
            var streamed = sink.Latest[symbol];
            var quote = snapshots.GetProperty(symbol).GetProperty("latestQuote");
            var trade = snapshots.GetProperty(symbol).GetProperty("latestTrade");
            Assert.Equal((streamed.Bid, streamed.Ask), (quote.GetProperty("bp").GetDouble(), quote.GetProperty("ap").GetDouble()));
            Assert.Equal(streamed.LastPrice, trade.GetProperty("p").GetDouble());
            Assert.Equal(streamed.ExchangeTime, Later(quote.GetProperty("t").GetDateTimeOffset(), trade.GetProperty("t").GetDateTimeOffset()));
        }

        Assert.Equal(1, client.Authentications);
    }

    [Fact]
    public async Task A_symbol_never_sent_gets_a_quote_and_trade_made_on_demand_at_its_starting_price_and_kept()
    {
        var first = (await GetAsync("/v2/stocks/snapshots?symbols=ZZZZ&feed=iex")).GetProperty("ZZZZ");
        var again = (await GetAsync("/v2/stocks/snapshots?symbols=ZZZZ")).GetProperty("ZZZZ");
        Assert.Equal(first.GetRawText(), again.GetRawText());

        // The fields Alpaca sends, in the stream's short keys without T and S, and bars a client must read past.
        var quote = first.GetProperty("latestQuote");
        foreach (var field in new[] { "ap", "as", "ax", "bp", "bs", "bx", "c", "t", "z" }) Assert.True(quote.TryGetProperty(field, out _), $"quote lacks {field}");
        var trade = first.GetProperty("latestTrade");
        foreach (var field in new[] { "c", "i", "p", "s", "t", "x", "z" }) Assert.True(trade.TryGetProperty(field, out _), $"trade lacks {field}");
        foreach (var bar in new[] { "minuteBar", "dailyBar", "prevDailyBar" }) Assert.Equal(JsonValueKind.Object, first.GetProperty(bar).ValueKind);
        Assert.False(quote.TryGetProperty("S", out _));

        var opening = QuoteGenerator.Opening("ZZZZ", Simulator.Options.Seed, DateTimeOffset.UtcNow, "alpaca");
        Assert.Equal((opening.Bid, opening.Ask), (quote.GetProperty("bp").GetDouble(), quote.GetProperty("ap").GetDouble()));
        Assert.EndsWith("Z", quote.GetProperty("t").GetString());
    }

    [Fact]
    public async Task Latest_quotes_and_trades_answer_under_their_own_keys_and_leave_out_unlisted_symbols()
    {
        var quotes = (await GetAsync("/v2/stocks/quotes/latest?symbols=AAPL,NOPE&feed=delayed_sip")).GetProperty("quotes");
        Assert.Equal(["AAPL"], quotes.EnumerateObject().Select(p => p.Name));
        Assert.True(quotes.GetProperty("AAPL").GetProperty("bp").GetDouble() > 0);

        var trades = (await GetAsync("/v2/stocks/trades/latest?symbols=AAPL,NOPE&feed=iex")).GetProperty("trades");
        Assert.Equal(["AAPL"], trades.EnumerateObject().Select(p => p.Name));
        Assert.True(trades.GetProperty("AAPL").GetProperty("p").GetDouble() > 0);

        // In snapshots a symbol without data is null.
        var snapshots = await GetAsync("/v2/stocks/snapshots?symbols=AAPL,NOPE&feed=iex");
        Assert.Equal(JsonValueKind.Null, snapshots.GetProperty("NOPE").ValueKind);
        Assert.Equal(JsonValueKind.Object, snapshots.GetProperty("AAPL").ValueKind);
    }

    [Fact]
    public async Task An_unlisted_symbol_is_never_sent_on_the_stream_either()
    {
        var (_, sink) = await _harness.ConnectAsync(_harness.Settings(), ["AAPL", "NOPE"]);
        await Eventually.Until(() => sink.Count > 100, Timeout, "a hundred quotes");
        Assert.Equal(["AAPL"], sink.Latest.Keys);
    }

    [Theory]
    [InlineData("/v2/stocks/snapshots?symbols=AAPL", null, null)]
    [InlineData("/v2/stocks/snapshots?symbols=AAPL", AlpacaHarness.Key, "wrong")]
    [InlineData("/v2/stocks/quotes/latest?symbols=AAPL", "other", AlpacaHarness.Secret)]
    [InlineData("/v2/stocks/trades/latest?symbols=AAPL", AlpacaHarness.Key, null)]
    public async Task Without_the_right_key_headers_every_endpoint_answers_401(string path, string? key, string? secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Simulator.DataUrl, path));
        if (key is not null) request.Headers.Add("APCA-API-KEY-ID", key);
        if (secret is not null) request.Headers.Add("APCA-API-SECRET-KEY", secret);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("message", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/v2/stocks/snapshots?symbols=AAPL&feed=nasdaq", HttpStatusCode.BadRequest)]
    [InlineData("/v2/stocks/snapshots?symbols=AAPL&feed=test", HttpStatusCode.BadRequest)]
    [InlineData("/v2/stocks/snapshots?symbols=AAPL&feed=sip", HttpStatusCode.Forbidden)]
    [InlineData("/v2/stocks/snapshots?symbols=not%20a%20symbol&feed=iex", HttpStatusCode.BadRequest)]
    [InlineData("/v2/stocks/snapshots?feed=iex", HttpStatusCode.BadRequest)]
    public async Task Feeds_the_plan_lacks_unknown_feeds_and_bad_symbols_are_refused(string path, HttpStatusCode status)
    {
        using var response = await SendAsync(path);
        Assert.Equal(status, response.StatusCode);
    }

    [Fact]
    public async Task Rest_faults_fail_the_next_requests_with_retry_after_then_answer()
    {
        Simulator.Faults.RestFailureStatus = 429;
        Simulator.Faults.RestRetryAfter = TimeSpan.FromSeconds(2);
        Simulator.Faults.RestFailures = 2;
        for (var i = 0; i < 2; i++)
        {
            using var refused = await SendAsync("/v2/stocks/snapshots?symbols=AAPL");
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        }

        using var answered = await SendAsync("/v2/stocks/snapshots?symbols=AAPL");
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal([429, 429, 200], Simulator.RestRequests.Select(r => r.Status));
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private async Task<HttpResponseMessage> SendAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Simulator.DataUrl, path));
        request.Headers.Add("APCA-API-KEY-ID", AlpacaHarness.Key);
        request.Headers.Add("APCA-API-SECRET-KEY", AlpacaHarness.Secret);
        return await _http.SendAsync(request);
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await SendAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }
}
