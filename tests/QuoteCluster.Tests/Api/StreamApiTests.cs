using System.Diagnostics;
using System.Net;
using QuoteCluster.Api.Live;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Api;

/// <summary>The SSE price stream on the embedded default.</summary>
public class StreamApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly HttpClient _http = factory.CreateAuthorizedClient();

    [Fact]
    public async Task A_snapshot_of_each_symbol_comes_first_then_updates_with_increasing_ids()
    {
        using var response = await OpenAsync("/api/stream/prices?symbols=AAPL,MSFT");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var sse = new SseReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("1000", (await sse.NextAsync(Wait)).Retry);

        var snapshot = new[] { await sse.NextQuoteAsync(Wait), await sse.NextQuoteAsync(Wait) };
        Assert.Equal(["AAPL", "MSFT"], snapshot.Select(s => s.Quote.GetProperty("symbol").GetString()).Order());
        foreach (var field in new[] { "symbol", "bid", "ask", "price", "mid", "ts", "version" })
        {
            Assert.True(snapshot[0].Quote.TryGetProperty(field, out _), $"an event lacks {field}");
        }

        var lastSeen = snapshot.ToDictionary(s => s.Quote.GetProperty("symbol").GetString()!, s => s.Id);
        for (var i = 0; i < 10; i++)
        {
            var (id, quote) = await sse.NextQuoteAsync(Wait);
            var symbol = quote.GetProperty("symbol").GetString()!;
            Assert.True(id > lastSeen[symbol], "each symbol's ids increase");
            Assert.Equal(id, quote.GetProperty("version").GetInt64());
            lastSeen[symbol] = id;
        }
    }

    [Fact]
    public async Task Reconnecting_with_Last_Event_ID_gets_the_latest_of_every_symbol_at_once()
    {
        long lastId;
        using (var first = await OpenAsync("/api/stream/prices?symbols=AAPL,MSFT,NVDA"))
        using (var sse = new SseReader(await first.Content.ReadAsStreamAsync()))
        {
            for (var i = 0; i < 5; i++) await sse.NextQuoteAsync(Wait);
            lastId = (await sse.NextQuoteAsync(Wait)).Id;
        }

        await Task.Delay(500);
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/stream/prices?symbols=AAPL,MSFT,NVDA");
        request.Headers.Add("Last-Event-ID", lastId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var again = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var resumed = new SseReader(await again.Content.ReadAsStreamAsync());
        var clock = Stopwatch.StartNew();
        var first3 = new[] { await resumed.NextQuoteAsync(Wait), await resumed.NextQuoteAsync(Wait), await resumed.NextQuoteAsync(Wait) };
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), "the state arrives at once, not with the next updates");
        Assert.Equal(["AAPL", "MSFT", "NVDA"], first3.Select(e => e.Quote.GetProperty("symbol").GetString()).Order());
        Assert.Contains(first3, e => e.Id >= lastId);
    }

    [Fact]
    public async Task MaxHz_caps_the_update_rate_with_conflation_not_a_backlog()
    {
        var free = await CountQuotesAsync("/api/stream/prices?symbols=AAPL,MSFT,NVDA,TSLA", TimeSpan.FromSeconds(3));
        var capped = await CountQuotesAsync("/api/stream/prices?symbols=AAPL,MSFT,NVDA,TSLA&maxHz=1", TimeSpan.FromSeconds(3));

        // At 1 Hz: the snapshot, then at most one send a second, each with at most one quote per symbol.
        Assert.InRange(capped.Sends, 1, 5);
        Assert.InRange(capped.Quotes, 4, 4 * 5);
        Assert.True(free.Quotes > capped.Quotes * 2, $"unthrottled {free.Quotes} vs capped {capped.Quotes}");
    }

    [Theory]
    [InlineData("/api/stream/prices?symbols=AAPL,b@d", HttpStatusCode.BadRequest)]
    [InlineData("/api/stream/prices?symbols=NOTTRACKED", HttpStatusCode.NotFound)]
    [InlineData("/api/stream/prices?maxHz=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/stream/prices?maxHz=1000", HttpStatusCode.BadRequest)]
    [InlineData("/api/stream/prices?maxHz=1e-300", HttpStatusCode.BadRequest)]
    [InlineData("/api/stream/prices?maxHz=1e-7", HttpStatusCode.BadRequest)]
    [InlineData("/api/stream/prices?maxHz=NaN", HttpStatusCode.BadRequest)]
    public async Task Bad_stream_requests_are_refused_clearly(string url, HttpStatusCode expected)
    {
        using var response = await _http.GetAsync(url);
        Assert.Equal(expected, response.StatusCode);
        Assert.Contains("\"message\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_connection_holds_one_pending_update_per_symbol_however_much_arrives()
    {
        using var connection = new LiveConnection();
        var t0 = DateTimeOffset.UtcNow;
        for (var i = 1; i <= 200_000; i++)
        {
            var symbol = $"S{i % 20}";
            connection.OnQuote(new QuoteUpdate(new Quote(symbol, i, i + 1, 1, 1, null, t0, t0, "test"), i));
        }

        var taken = await connection.TakeAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(20, taken.Count);
        Assert.All(taken, u => Assert.True(u.Version > 200_000 - 20));
        Assert.Equal(200_000 - 20, connection.Conflated);
        Assert.Empty(await connection.TakeAsync(TimeSpan.FromMilliseconds(10), CancellationToken.None));
    }

    private async Task<HttpResponseMessage> OpenAsync(string url)
    {
        var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private async Task<(int Sends, int Quotes)> CountQuotesAsync(string url, TimeSpan duration)
    {
        using var response = await OpenAsync(url);
        using var sse = new SseReader(await response.Content.ReadAsStreamAsync());
        var ids = new List<long>();
        var clock = Stopwatch.StartNew();
        var sendTimes = new List<TimeSpan>();
        try
        {
            while (clock.Elapsed < duration)
            {
                var (id, _) = await sse.NextQuoteAsync(duration - clock.Elapsed);
                ids.Add(id);
                if (sendTimes.Count == 0 || clock.Elapsed - sendTimes[^1] > TimeSpan.FromMilliseconds(300)) sendTimes.Add(clock.Elapsed);
            }
        }
        catch (OperationCanceledException)
        {
        }

        return (sendTimes.Count, ids.Count);
    }
}

/// <summary>The connection limit, on a gateway that allows one streaming client.</summary>
public class StreamLimitTests(SingleClientApiFactory factory) : IClassFixture<SingleClientApiFactory>
{
    [Fact]
    public async Task The_client_over_the_limit_is_told_so_and_the_slot_frees_when_the_first_leaves()
    {
        var http = factory.CreateAuthorizedClient();
        var first = await http.GetAsync("/api/stream/prices?symbols=AAPL", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var second = await http.GetAsync("/api/stream/prices?symbols=AAPL", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Contains("API_MAX_CONNECTIONS", await second.Content.ReadAsStringAsync());

        first.Dispose();
        await Support.Eventually.Until(async () => (await http.GetAsync("/api/stream/prices?symbols=AAPL", HttpCompletionOption.ResponseHeadersRead)).StatusCode,
            s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "the freed slot");
    }
}
