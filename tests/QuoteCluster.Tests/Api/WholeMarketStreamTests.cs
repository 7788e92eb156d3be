using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Api;

/// <summary>
/// MONITORED_SYMBOLS=* on a market that is still being discovered: the embedded simulator names its 5,000 symbols in
/// turn at 250 quotes a second, so a new symbol is listed every few milliseconds for twenty seconds.
/// </summary>
public sealed class GrowingMarketApiFactory : EmbeddedApiFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("MONITORED_SYMBOLS", "*");
        builder.UseSetting("SIMULATED_UNIVERSE", "5000");
        builder.UseSetting("MAX_SYMBOLS", "5000");
        builder.UseSetting("SIMULATED_QUOTES_PER_SEC", "250");
    }
}

public sealed class WholeMarketStreamTests(GrowingMarketApiFactory factory) : IClassFixture<GrowingMarketApiFactory>
{
    /// <summary>What docs/api.md promises: a symbol the cluster starts ingesting reaches every all-symbols stream within a second.</summary>
    private static readonly TimeSpan Promised = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http = factory.CreateAuthorizedClient();

    [Fact]
    public async Task An_all_symbols_stream_gets_symbols_discovered_after_it_connected_within_a_second()
    {
        await Eventually.Until(async () => (await ListedAsync()).Count, n => n > 0, Wait, "the first symbols to be listed");
        var atConnect = await ListedAsync();
        using var response = await _http.GetAsync("/api/stream/prices", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sse = new SseReader(await response.Content.ReadAsStreamAsync());
        var received = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var notNewer = 0;
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (id, quote) = await sse.NextQuoteAsync(Wait);
                var symbol = quote.GetProperty("symbol").GetString()!;
                if (received.TryGetValue(symbol, out var held) && held >= id) Interlocked.Increment(ref notNewer);
                received[symbol] = id;
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var listed = await ListedAsync();
        await Task.Delay(Promised);
        var missing = listed.Where(s => !received.ContainsKey(s)).ToList();
        await stop.CancelAsync();

        Assert.True(listed.Count > atConnect.Count + 50, $"the market stopped growing: {atConnect.Count} symbols listed at connection, {listed.Count} later");
        Assert.True(missing.Count == 0,
            $"{missing.Count} of the {listed.Count - atConnect.Count} symbols listed after the client connected had not reached it a second later (e.g. {string.Join(", ", missing.Take(5))}); {atConnect.Count} were listed at connection; the client received {received.Count} symbols");

        // The snapshot of a symbol the client joined comes once, before its updates.
        Assert.Equal(0, Volatile.Read(ref notNewer));
    }

    private async Task<IReadOnlyList<string>> ListedAsync() =>
        [.. (await _http.GetFromJsonAsync<JsonElement>("/api/subscriptions")).GetProperty("symbols").EnumerateArray().Select(s => s.GetString()!)];
}
