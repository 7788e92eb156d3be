using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Configuration;
using QuoteCluster.Feeds.Alpaca;
using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Hosting;
using QuoteCluster.Quotes;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Alpaca;

/// <summary>The Alpaca feed's snapshots from the market-data REST API, against the simulator's.</summary>
public sealed class AlpacaSnapshotTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task Each_symbol_with_data_gets_its_latest_quote_with_the_trade_price_and_the_rest_are_left_out()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Unlisted = ["NOPE"] });
        var client = harness.Client(harness.Settings());

        var ticks = await client.SnapshotAsync(["AAPL", "ZZZZ", "NOPE"], CancellationToken.None);

        // Never streamed, so the simulator made each at the price its generator starts the symbol from.
        Assert.Equal(["AAPL", "ZZZZ"], ticks.Select(t => t.Symbol).Order());
        foreach (var tick in ticks)
        {
            var opening = QuoteGenerator.Opening(tick.Symbol, harness.Simulator.Options.Seed, DateTimeOffset.UtcNow, QuoteSources.Alpaca);
            Assert.Equal((opening.Bid, opening.Ask, opening.LastPrice), (tick.Bid, tick.Ask, tick.LastPrice));
            Assert.Equal(QuoteSources.Alpaca, tick.Source);
            Assert.InRange(DateTimeOffset.UtcNow - tick.ExchangeTime, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        }

        var request = Assert.Single(harness.Simulator.RestRequests);
        Assert.Equal(("/v2/stocks/snapshots", "iex", 3, 200), (request.Path, request.Feed, request.Symbols, request.Status));
        Assert.Equal(1, client.SnapshotRequests);
    }

    [Fact]
    public async Task A_snapshot_shows_what_the_stream_last_sent_and_is_no_newer_than_the_live_ticks()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 300, TradeRatio = 0.3 });
        var (client, sink) = await harness.ConnectAsync(harness.Settings(), ["AAPL"]);
        await Eventually.Until(() => sink.Latest.TryGetValue("AAPL", out var q) && q.LastPrice is not null, Timeout, "a quote with a trade price");
        harness.Simulator.Faults.Silent = true;
        await Task.Delay(300);

        var tick = Assert.Single(await client.SnapshotAsync(["AAPL"], CancellationToken.None));
        var streamed = sink.Latest["AAPL"];
        Assert.Equal((streamed.Bid, streamed.Ask, streamed.BidSize, streamed.AskSize, streamed.LastPrice, streamed.ExchangeTime),
            (tick.Bid, tick.Ask, tick.BidSize, tick.AskSize, tick.LastPrice, tick.ExchangeTime));
    }

    [Fact]
    public async Task Many_symbols_are_asked_for_in_chunks()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        var client = harness.Client(harness.Settings() with { SnapshotChunkSize = 200 });
        var symbols = Enumerable.Range(0, 450).Select(i => $"S{i:D3}").ToList();

        var ticks = await client.SnapshotAsync(symbols, CancellationToken.None);

        Assert.Equal(symbols, ticks.Select(t => t.Symbol).Order());
        Assert.Equal([200, 200, 50], harness.Simulator.RestRequests.Select(r => r.Symbols));
    }

    [Fact]
    public async Task Wrong_keys_401_are_a_configuration_error_logged_with_what_to_check_not_retried_and_give_nothing()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        var logger = new RecordingLogger();
        var client = harness.Client(harness.Settings() with { SecretKey = "wrong", SnapshotChunkSize = 1 }, logger: logger);

        var ticks = await client.SnapshotAsync(["AAPL", "MSFT"], CancellationToken.None);

        Assert.Empty(ticks);
        Assert.Equal(401, Assert.Single(harness.Simulator.RestRequests).Status);
        var error = Assert.Single(logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal("alpaca_snapshot_configuration_error", error.Event);
        Assert.Contains("HTTP 401", error.Message);
        Assert.Contains("APCA_API_KEY_ID", error.Message);
        Assert.Contains("APCA_API_DATA_URL", error.Message);
    }

    [Fact]
    public async Task A_feed_the_plan_lacks_403_names_the_feed_setting()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { DenyFeeds = ["sip"] });
        var logger = new RecordingLogger();
        var client = harness.Client(harness.Settings(feed: "sip"), logger: logger);

        Assert.Empty(await client.SnapshotAsync(["AAPL"], CancellationToken.None));
        var error = Assert.Single(logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("HTTP 403", error.Message);
        Assert.Contains("ALPACA_DATA_FEED (sip)", error.Message);
    }

    [Fact]
    public async Task A_429_is_retried_after_the_retry_after_the_server_asks_for_on_the_injected_clock()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        harness.Simulator.Faults.RestFailureStatus = 429;
        harness.Simulator.Faults.RestRetryAfter = TimeSpan.FromSeconds(3);
        harness.Simulator.Faults.RestFailures = 1;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = harness.Client(harness.Settings(), time);

        var snapshot = client.SnapshotAsync(["AAPL"], CancellationToken.None);
        await Eventually.Until(() => harness.Simulator.RestRequests.Count == 1, Timeout, "the refused request");
        await Task.Delay(Settle);
        time.Advance(TimeSpan.FromSeconds(2.9));
        await Task.Delay(Settle);
        Assert.Single(harness.Simulator.RestRequests);
        Assert.False(snapshot.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal("AAPL", Assert.Single(await snapshot.WaitAsync(Timeout)).Symbol);
        Assert.Equal([429, 200], harness.Simulator.RestRequests.Select(r => r.Status));
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_until_answered()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        harness.Simulator.Faults.RestFailures = 2;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = harness.Client(harness.Settings(), time);

        var snapshot = client.SnapshotAsync(["AAPL"], CancellationToken.None);
        var waited = await AdvanceUntilAsync(time, snapshot);

        Assert.Single(await snapshot);
        Assert.Equal([503, 503, 200], harness.Simulator.RestRequests.Select(r => r.Status));
        Assert.InRange(waited.TotalSeconds, 0.5, 20);
    }

    [Fact]
    public async Task When_retries_are_spent_the_remaining_chunks_are_not_asked_for()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        harness.Simulator.Faults.RestFailures = 1000;
        var logger = new RecordingLogger();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = harness.Client(harness.Settings() with { SnapshotChunkSize = 1 }, time, logger);

        var snapshot = client.SnapshotAsync(["AAPL", "MSFT", "NVDA"], CancellationToken.None);
        await AdvanceUntilAsync(time, snapshot);

        Assert.Empty(await snapshot);
        Assert.Equal(1, client.SnapshotRequests);
        Assert.InRange(harness.Simulator.RestRequests.Count, 2, 5);
        Assert.Contains(logger.Entries, e => e.Event == "alpaca_snapshot_failed" && e.Message.Contains("remaining symbols are skipped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_never_answers_is_given_up_on_at_the_deadline_on_the_injected_clock()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        harness.Simulator.Faults.RestStall = true;
        var logger = new RecordingLogger();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = harness.Client(harness.Settings() with { SnapshotTimeout = TimeSpan.FromSeconds(30) }, time, logger);

        var snapshot = client.SnapshotAsync(["AAPL"], CancellationToken.None);
        var waited = await AdvanceUntilAsync(time, snapshot);

        Assert.Empty(await snapshot);
        Assert.InRange(waited.TotalSeconds, 30, 32);
        Assert.Contains(logger.Entries, e => e.Event == "alpaca_snapshot_failed" && e.Message.Contains("no answer within 30 s", StringComparison.Ordinal));
        harness.Simulator.Faults.RestStall = false;
    }

    [Fact]
    public async Task The_caller_s_cancellation_is_the_one_thing_that_throws()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        harness.Simulator.Faults.RestStall = true;
        var client = harness.Client(harness.Settings());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SnapshotAsync(["AAPL"], cancel.Token));
        harness.Simulator.Faults.RestStall = false;
    }

    [Theory]
    [InlineData("test", "AAPL")]
    [InlineData("iex")]
    public async Task Nothing_is_asked_for_nothing_or_on_the_test_feed_which_the_rest_api_lacks(string feed, params string[] symbols)
    {
        await using var harness = await AlpacaHarness.StartAsync();
        var client = harness.Client(harness.Settings(feed: feed));

        Assert.Empty(await client.SnapshotAsync(symbols, CancellationToken.None));
        Assert.Empty(harness.Simulator.RestRequests);
    }

    [Fact]
    public async Task The_embedded_default_points_snapshots_at_its_own_simulator()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var simulatorOptions = builder.StartUnlessAlpacaConfigured();
        Assert.NotNull(simulatorOptions);
        var options = QuoteClusterSettings.Load(builder.Configuration);
        var settings = MarketDataFeedFactory.AlpacaSettings(options);
        Assert.Equal(new Uri($"http://127.0.0.1:{simulatorOptions.Port}"), settings.DataUrl);
        Assert.Equal(settings.StreamUrl.Port, settings.DataUrl.Port);

        await using var simulator = await AlpacaSimulatorServer.StartAsync(simulatorOptions);
        await using var client = new AlpacaStreamClient(settings, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.Equal("SPY", Assert.Single(await client.SnapshotAsync(["SPY"], CancellationToken.None)).Symbol);
    }

    /// <summary>Moves the clock a second at a time, with real time between steps for I/O, until <paramref name="task"/> ends.</summary>
    private static async Task<TimeSpan> AdvanceUntilAsync(FakeTimeProvider time, Task task)
    {
        var waited = TimeSpan.Zero;
        await Task.Delay(Settle);
        while (!task.IsCompleted)
        {
            Assert.True(waited < TimeSpan.FromMinutes(2), "still waiting after two minutes on the clock");
            time.Advance(TimeSpan.FromSeconds(1));
            waited += TimeSpan.FromSeconds(1);
            await Task.Delay(50);
        }

        return waited;
    }
}
