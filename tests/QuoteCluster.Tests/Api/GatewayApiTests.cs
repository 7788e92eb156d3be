using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Api;

/// <summary>Auth, subscriptions, status and readiness on the embedded default.</summary>
public class GatewayApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly HttpClient _http = factory.CreateAuthorizedClient();

    [Theory]
    [InlineData("/api/quotes")]
    [InlineData("/api/stream/status")]
    [InlineData("/api/subscriptions")]
    [InlineData("/api/cluster")]
    [InlineData("/dashboard/")]
    [InlineData("/metrics")]
    public async Task Every_api_route_the_dashboard_and_the_metrics_need_the_token(string path)
    {
        var anonymous = factory.CreateClient();
        var missing = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);

        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "wrong");
        var wrong = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("not the gateway's API_TOKEN", await wrong.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Metrics_count_quotes_live_updates_latency_and_clients_without_a_label_per_symbol()
    {
        using var stream = await _http.GetAsync("/api/stream/prices?symbols=AAPL,MSFT", HttpCompletionOption.ResponseHeadersRead);
        var metrics = await Eventually.Until(
            async () => await _http.GetStringAsync("/metrics"),
            text => text.Contains("quotecluster_quotes_received_total{", StringComparison.Ordinal)
                && text.Contains("quotecluster_live_updates_received_total{", StringComparison.Ordinal)
                && text.Contains("quotecluster_quote_latency_seconds_bucket{", StringComparison.Ordinal)
                && System.Text.RegularExpressions.Regex.IsMatch(text, @"^quotecluster_api_clients\{[^}]*\} [1-9]", System.Text.RegularExpressions.RegexOptions.Multiline),
            Wait, "the gateway's metrics to show quotes, live updates, latency and a connected client");

        var ours = metrics.Split('\n').Where(l => l.StartsWith("quotecluster_", StringComparison.Ordinal)).ToList();
        Assert.Contains(ours, l => l.StartsWith("quotecluster_quotes_received_total{", StringComparison.Ordinal) && l.Contains("quote_source=\"alpaca\"", StringComparison.Ordinal));
        Assert.DoesNotContain(ours, l => l.Contains("symbol=", StringComparison.Ordinal) || l.Contains("AAPL", StringComparison.Ordinal));
        Assert.Contains("dotnet_gc_", metrics, StringComparison.Ordinal);
        // Each instrument keeps a bounded number of label sets (QuoteClusterHostingExtensions.MetricSeriesLimit and
        // WideSeriesLimit); one past it would fold series together under an overflow label.
        Assert.DoesNotContain("otel_metric_overflow", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public void The_gateway_as_it_starts_registers_no_data_protection_start_up_service()
    {
        var dataProtectionAssembly = typeof(DataProtectionOptions).Assembly;
        Assert.DoesNotContain(factory.Services.GetServices<IHostedService>(), service => service.GetType().Assembly == dataProtectionAssembly);
    }

    [Fact]
    public async Task Long_lived_tokens_in_urls_are_refused_even_on_stream_routes()
    {
        var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/quotes?access_token={EmbeddedApiFactory.Token}")).StatusCode);
        using var stream = await anonymous.GetAsync($"/api/stream/prices?symbols=AAPL&access_token={EmbeddedApiFactory.Token}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Unauthorized, stream.StatusCode);
        Assert.Contains("/api/stream/tickets", await stream.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Symbols_are_added_upper_cased_reach_open_all_symbols_streams_and_are_removed_at_run_time()
    {
        using var stream = await _http.GetAsync("/api/stream/prices", HttpCompletionOption.ResponseHeadersRead);
        using var sse = new SseReader(await stream.Content.ReadAsStreamAsync());
        await sse.NextQuoteAsync(Wait);

        var added = await _http.PostAsJsonAsync("/api/subscriptions", new { symbols = new[] { "zzza", "ZZZB" } });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var symbols = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("symbols").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("ZZZA", symbols);
        Assert.Contains("ZZZB", symbols);

        // The feed really ingests it: the simulator serves it and its first quote arrives.
        await Eventually.Until(() => _http.GetAsync("/api/quotes/ZZZA"), r => r.StatusCode == HttpStatusCode.OK, Wait, "ZZZA's first quote");

        // A client that asked for every symbol gets the new one too, though it was not ingested when the client connected.
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while ((await sse.NextQuoteAsync(Wait)).Quote.GetProperty("symbol").GetString() != "ZZZA")
        {
            Assert.True(waiting.Elapsed < Wait, "ZZZA never reached the stream that asked for every symbol");
        }

        Assert.Equal(HttpStatusCode.OK, (await _http.DeleteAsync("/api/subscriptions/zzza")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.DeleteAsync("/api/subscriptions/ZZZB")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.DeleteAsync("/api/subscriptions/ZZZA")).StatusCode);
        Assert.DoesNotContain("ZZZA", await SymbolsAsync());
    }

    [Fact]
    public async Task Bad_requests_change_nothing_and_say_why()
    {
        var before = await SymbolsAsync();

        var invalid = await _http.PostAsJsonAsync("/api/subscriptions", new { symbols = new[] { "AAPL", "b@d" } });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("'b@d'", await invalid.Content.ReadAsStringAsync());

        var empty = await _http.PostAsJsonAsync("/api/subscriptions", new { symbols = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);

        // The embedded default runs IEX's limit of 30 with 20 tickers: eleven more is one too many.
        var tooMany = await _http.PostAsJsonAsync("/api/subscriptions", new { symbols = Enumerable.Range(0, 11).Select(i => $"LIM{i}").ToArray() });
        Assert.Equal(HttpStatusCode.Conflict, tooMany.StatusCode);
        Assert.Contains("MAX_SYMBOLS", await tooMany.Content.ReadAsStringAsync());

        Assert.Equal(before, await SymbolsAsync());
    }

    [Fact]
    public async Task Status_reports_the_feed_the_symbols_and_LIVE_by_the_heartbeat_age()
    {
        var status = await Eventually.Until(
            async () => await _http.GetFromJsonAsync<JsonElement>("/api/stream/status"),
            s => s.GetProperty("status").GetString() == "LIVE", Wait, "a LIVE status");
        Assert.True(status.GetProperty("alpaca_connected").GetBoolean());
        Assert.Contains("AAPL", status.GetProperty("active_symbols").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(status.GetProperty("active_symbols").GetArrayLength(), status.GetProperty("stream_count").GetInt32());
        Assert.InRange(status.GetProperty("heartbeat_age_s").GetDouble(), 0, 30);
        Assert.Equal("live", status.GetProperty("feed_state").GetString());
        Assert.True(status.TryGetProperty("connected_clients", out _));
    }

    [Fact]
    public async Task Readiness_and_the_openapi_document_are_served()
    {
        var ready = await factory.CreateClient().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var document = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/stream/prices", paths);
        Assert.Contains("/api/subscriptions", paths);
    }

    private async Task<List<string?>> SymbolsAsync() =>
        [.. (await _http.GetFromJsonAsync<JsonElement>("/api/subscriptions")).GetProperty("symbols").EnumerateArray().Select(e => e.GetString())];
}
