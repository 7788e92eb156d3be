using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Api;

public class QuotesApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly HttpClient _http = factory.CreateAuthorizedClient();

    [Fact]
    public async Task Health_answers_while_the_process_is_up()
    {
        var response = await _http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_latest_quote_of_a_well_known_ticker_is_served_on_the_embedded_default()
    {
        var response = await Eventually.Until(() => _http.GetAsync("/api/quotes/aapl"), r => r.StatusCode == HttpStatusCode.OK, Wait, "AAPL's first quote");
        var quote = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("AAPL", quote.GetProperty("symbol").GetString());
        Assert.True(quote.GetProperty("ask").GetDouble() > quote.GetProperty("bid").GetDouble());

        // The embedded default runs the real Alpaca client against the in-process Alpaca-protocol simulator.
        Assert.Equal("alpaca", quote.GetProperty("source").GetString());
        Assert.True(quote.GetProperty("version").GetInt64() > 0);
    }

    [Fact]
    public async Task All_ingested_symbols_or_the_requested_ones_are_listed()
    {
        var all = await Eventually.Until(
            async () => await _http.GetFromJsonAsync<JsonElement[]>("/api/quotes") ?? [], q => q.Length == 20, Wait, "quotes of the twenty default tickers");
        Assert.Contains(all, q => q.GetProperty("symbol").GetString() == "BRK.B");

        var two = await _http.GetFromJsonAsync<JsonElement[]>("/api/quotes?symbols=msft,AAPL");
        Assert.Equal(["MSFT", "AAPL"], two!.Select(q => q.GetProperty("symbol").GetString()));
    }

    [Theory]
    [InlineData("/api/quotes/bad%24", "'bad$'")]
    [InlineData("/api/quotes?symbols=AAPL,b%40d", "'b@d'")]
    public async Task An_invalid_symbol_gets_400_naming_it(string url, string named)
    {
        var response = await _http.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_symbol_that_is_not_ingested_gets_404()
    {
        var response = await _http.GetAsync("/api/quotes/ZZZZ");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("not_tracked", text);

        // A named list can grow, so the answer says how (under MONITORED_SYMBOLS=* it cannot: WholeMarketApiTests).
        Assert.Contains("POST /api/subscriptions adds symbols", text);
    }

    [Fact]
    public async Task The_orleans_dashboard_is_served()
    {
        var response = await _http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
