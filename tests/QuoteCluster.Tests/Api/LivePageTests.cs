using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using QuoteCluster.Ingest;

namespace QuoteCluster.Tests.Api;

/// <summary>The embedded default on a real port, for a browser or a raw socket to reach.</summary>
public class KestrelApiFactory : EmbeddedApiFactory
{
    public KestrelApiFactory()
    {
        UseKestrel(0);
        StartServer();
    }

    public Uri BaseAddress => ClientOptions.BaseAddress;
}

/// <summary>The live page in Debian's Chromium, driven by Playwright, against the embedded system.</summary>
public sealed class LivePageTests(KestrelApiFactory factory) : IClassFixture<KestrelApiFactory>, IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private static readonly LocatorAssertionsToHaveTextOptions Soon = new() { Timeout = 30_000 };

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"The browser tests need Chromium at {ChromiumPath}: apt-get install chromium (.ci/run does).");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,

            // This machine's network is closed: Chromium's background connections would only fail, loudly.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task Prices_change_the_badge_says_LIVE_a_symbol_can_be_added_and_the_badge_leaves_LIVE_when_the_feed_stops()
    {
        var page = await _browser.NewPageAsync();
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => requests.Enqueue(request.Url);
        await page.GotoAsync(new Uri(factory.BaseAddress, $"/?access_token={EmbeddedApiFactory.Token}").ToString());

        await Assertions.Expect(page.Locator("#badge")).ToHaveTextAsync("LIVE", Soon);

        // The token leaves the address bar at once; the stream opens with a ticket, never the token.
        Assert.DoesNotContain("access_token", page.Url, StringComparison.Ordinal);
        Assert.Contains(requests, url => url.Contains("/api/stream/prices?ticket=", StringComparison.Ordinal));
        Assert.Single(requests, url => url.Contains("access_token", StringComparison.Ordinal));

        var price = page.Locator("tr[data-symbol='AAPL'] td:nth-child(4)");
        await Assertions.Expect(price).Not.ToBeEmptyAsync(new() { Timeout = 30_000 });
        var first = await price.TextContentAsync();
        await Assertions.Expect(price).Not.ToHaveTextAsync(first!, Soon);

        await page.FillAsync("#symbol", "zzzc");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("#subscribe-result")).ToHaveTextAsync("Subscribed: ZZZC", Soon);
        await Assertions.Expect(page.Locator("tr[data-symbol='ZZZC'] td:nth-child(2)")).Not.ToBeEmptyAsync(new() { Timeout = 30_000 });

        await page.FillAsync("#symbol", "b@d");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("#subscribe-result")).ToContainTextAsync("'b@d'", new() { Timeout = 10_000 });

        // The feed stops: the final heartbeat says so and the connection is gone, so the badge must leave LIVE.
        await factory.Services.GetRequiredService<IClusterClient>().GetGrain<IIngestGrain>(IIngestGrain.SingletonKey).StopAsync("browser test");
        await Assertions.Expect(page.Locator("#badge")).ToHaveTextAsync("OFFLINE", Soon);

        // A reload finds the token in the tab's session, not in the URL, and still streams.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("tr[data-symbol='AAPL'] td:nth-child(4)")).Not.ToBeEmptyAsync(new() { Timeout = 30_000 });
        Assert.Single(requests, url => url.Contains("access_token", StringComparison.Ordinal));
    }
}
