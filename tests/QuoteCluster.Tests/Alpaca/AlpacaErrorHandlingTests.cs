using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Feeds.Alpaca;
using QuoteCluster.Ingest;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Alpaca;

/// <summary>Each of the stream's faults, acted out by the simulator, and what the client does about it.</summary>
public sealed class AlpacaErrorHandlingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Symbols_added_and_removed_at_run_time_change_the_subscription_by_deltas()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 300 });
        var (client, sink) = await harness.ConnectAsync(harness.Settings(), ["AAPL"]);
        var session = await SingleSessionAsync(harness);
        await Eventually.Until(() => session.QuoteSymbols.SetEquals(["AAPL"]), Timeout, "AAPL subscribed");

        await client.SetSymbolsAsync(["AAPL", "MSFT", "NVDA"], CancellationToken.None);
        await Eventually.Until(() => session.QuoteSymbols.SetEquals(["AAPL", "MSFT", "NVDA"]), Timeout, "three symbols subscribed");
        await Eventually.Until(() => sink.Latest.ContainsKey("NVDA"), Timeout, "NVDA quotes");

        await client.SetSymbolsAsync(["NVDA"], CancellationToken.None);
        await Eventually.Until(() => session.QuoteSymbols.SetEquals(["NVDA"]) && session.TradeSymbols.SetEquals(["NVDA"]), Timeout, "only NVDA left");
        Assert.Equal(["auth", "subscribe", "subscribe", "unsubscribe"], session.Requests);

        await Task.Delay(300);
        sink.Clear();
        await Eventually.Until(() => sink.Count > 20, Timeout, "quotes after the unsubscribe");
        Assert.Equal(["NVDA"], sink.Latest.Keys);
        Assert.Equal(1, client.Authentications);
    }

    [Fact]
    public async Task A_large_symbol_set_is_subscribed_in_chunks_of_one_hundred()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        var symbols = Enumerable.Range(0, 250).Select(i => $"S{i:D3}").ToList();
        await harness.ConnectAsync(harness.Settings(), symbols);
        var session = await SingleSessionAsync(harness);

        await Eventually.Until(() => session.QuoteSymbols.Count == 250, Timeout, "all 250 symbols subscribed");
        Assert.Equal(["auth", "subscribe", "subscribe", "subscribe"], session.Requests);
    }

    [Theory]
    [InlineData(DropMode.Abrupt)]
    [InlineData(DropMode.CloseFrame)]
    public async Task A_dropped_connection_is_rebuilt_and_resubscribed_to_the_current_set(DropMode mode)
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 300 });
        var (client, sink) = await harness.ConnectAsync(harness.Settings(), ["AAPL"]);
        await SingleSessionAsync(harness);
        await client.SetSymbolsAsync(["AAPL", "TSLA"], CancellationToken.None);
        await Eventually.Until(() => sink.Latest.ContainsKey("TSLA"), Timeout, "TSLA quotes");

        await harness.Simulator.DropAllAsync(mode);

        await Eventually.Until(() => client.Authentications == 2, Timeout, "a second authenticated session");
        var session = await SingleSessionAsync(harness);
        await Eventually.Until(() => session.QuoteSymbols.SetEquals(["AAPL", "TSLA"]), Timeout, "the wanted set re-subscribed");
        sink.Clear();
        await Eventually.Until(() => sink.Latest.ContainsKey("AAPL") && sink.Latest.ContainsKey("TSLA"), Timeout, "quotes flowing again");
        Assert.Equal(FeedState.Live, client.Health.State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Auth_failure_402_is_a_configuration_error_retried_only_at_the_cap(bool keepSocket)
    {
        await using var harness = await AlpacaHarness.StartAsync();
        harness.Simulator.Faults.RejectAuth = true;
        harness.Simulator.Faults.KeepSocketOnError = keepSocket;
        var settings = harness.Settings() with { BackoffMax = TimeSpan.FromSeconds(1.5) };
        var (client, _) = await harness.ConnectAsync(settings, ["AAPL"]);

        await Eventually.Until(() => client.Health.State == FeedState.ConfigurationError, Timeout, "a configuration error");
        Assert.Contains("402", client.Health.LastError);
        Assert.Contains("APCA_API_KEY_ID", client.Health.LastError);
        Assert.False(client.Health.Connected);

        // Retried at the 1.5 s cap: about three attempts in 4 s, where an SDK retrying at once makes hundreds.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.InRange(harness.Simulator.ErrorsSent(AlpacaErrorCodes.AuthFailed), 2, 4);

        harness.Simulator.Faults.RejectAuth = false;
        await Eventually.Until(() => client.Health.State == FeedState.Live, Timeout, "recovery once the keys are accepted");
        Assert.Null(client.Health.LastError);
    }

    [Fact]
    public async Task Insufficient_subscription_409_names_the_feed_setting()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { DenyFeeds = ["sip"] });
        var (client, _) = await harness.ConnectAsync(harness.Settings(feed: "sip"), ["AAPL"]);

        await Eventually.Until(() => client.Health.State == FeedState.ConfigurationError, Timeout, "a configuration error");
        Assert.Contains("409", client.Health.LastError);
        Assert.Contains("ALPACA_DATA_FEED", client.Health.LastError);
    }

    [Fact]
    public async Task An_unknown_feed_path_is_a_configuration_error_naming_the_url()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        var (client, _) = await harness.ConnectAsync(harness.Settings(feed: "nosuchfeed"), ["AAPL"]);

        await Eventually.Until(() => client.Health.State == FeedState.ConfigurationError, Timeout, "a configuration error");
        Assert.Contains("HTTP 404", client.Health.LastError);
        Assert.Contains("ALPACA_STREAM_URL", client.Health.LastError);
    }

    [Fact]
    public async Task Symbol_limit_405_keeps_the_subscription_and_reports_the_refused_symbols()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 200 });
        harness.Simulator.Faults.SymbolLimit = 3;
        var settings = harness.Settings() with { SubscribeChunkSize = 2 };
        var (client, sink) = await harness.ConnectAsync(settings, ["AAA", "BBB", "CCC", "DDD", "EEE"]);
        var session = await SingleSessionAsync(harness);

        // Chunks [AAA,BBB] [CCC,DDD] [EEE]: the second would make four, so it is refused whole and the third fits.
        await Eventually.Until(() => client.RefusedSymbols.Count == 2 && session.QuoteSymbols.Count == 3, Timeout, "one refused chunk");
        Assert.Equal(["CCC", "DDD"], client.RefusedSymbols.Order());
        Assert.Equal(new HashSet<string> { "AAA", "BBB", "EEE" }, session.QuoteSymbols);
        Assert.Equal(FeedState.Live, client.Health.State);
        Assert.Equal("405 symbol limit exceeded: refused CCC, DDD", client.Health.LastError);
        await Eventually.Until(() => sink.Latest.ContainsKey("EEE"), Timeout, "data for the accepted symbols");

        // Making room lets the next change subscribe what was refused.
        await client.SetSymbolsAsync(["AAA", "CCC"], CancellationToken.None);
        // The server's subscription changes before its acknowledgement reaches the client, which clears the refusal.
        await Eventually.Until(() => session.QuoteSymbols.SetEquals(["AAA", "CCC"]) && client.RefusedSymbols.Count == 0, Timeout,
            "the refused symbol subscribed once there is room, and the client told so");
        Assert.Empty(client.RefusedSymbols);
        Assert.Null(client.Health.LastError);
        Assert.Equal(1, client.Authentications);
    }

    [Fact]
    public async Task Connection_limit_406_with_a_ghost_session_waits_past_the_reaping_window()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 100 });
        harness.Simulator.Faults.GhostSession = TimeSpan.FromSeconds(2);

        // The real window is ~90 s; here it is scaled down to 2 s, and the client waits 2.5 s after a 406.
        var settings = harness.Settings() with { ConnectionLimitBackoff = TimeSpan.FromSeconds(2.5), BackoffBase = TimeSpan.FromMilliseconds(50) };
        var (client, _) = await harness.ConnectAsync(settings, ["AAPL"]);
        await SingleSessionAsync(harness);

        // A network drop: the server keeps the dead session for a while, so the quick reconnect meets 406.
        await harness.Simulator.DropAllAsync(DropMode.Abrupt);
        await Eventually.Until(() => harness.Simulator.ErrorsSent(AlpacaErrorCodes.ConnectionLimitExceeded) == 1, Timeout, "a 406");
        Assert.Contains("406", client.Health.LastError);
        Assert.Equal(FeedState.Reconnecting, client.Health.State);

        await Eventually.Until(() => client.Authentications == 2, Timeout, "a session once the ghost is reaped");
        var times = harness.Simulator.ConnectionTimes;
        Assert.Equal(3, times.Count);
        Assert.True(times[2] - times[1] >= TimeSpan.FromSeconds(2.4), $"reconnected {(times[2] - times[1]).TotalSeconds:0.00} s after the 406");
        Assert.Equal(1, harness.Simulator.ErrorsSent(AlpacaErrorCodes.ConnectionLimitExceeded));
    }

    [Fact]
    public async Task A_client_declared_slow_407_reconnects()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 200 });
        harness.Simulator.Faults.DeclareSlowAfter = TimeSpan.FromMilliseconds(500);
        var (client, _) = await harness.ConnectAsync(harness.Settings(), ["AAPL"]);

        await Eventually.Until(() => client.Authentications >= 2, Timeout, "a new session after 407");
        Assert.True(harness.Simulator.ErrorsSent(AlpacaErrorCodes.SlowClient) >= 1);
        harness.Simulator.Faults.DeclareSlowAfter = null;
        await Eventually.Until(() => client.Health.State == FeedState.Live, Timeout, "live again");
    }

    [Theory]
    [InlineData(AlpacaCodec.Json)]
    [InlineData(AlpacaCodec.MessagePack)]
    public async Task Malformed_messages_are_counted_and_skipped_without_dropping_the_connection(AlpacaCodec codec)
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 500, FrameSize = 5 });
        harness.Simulator.Faults.MalformedEvery = 3;
        var (client, sink) = await harness.ConnectAsync(harness.Settings(codec), ["AAPL", "MSFT"]);

        // Every kind in turn, twice over: broken messages, and values past what the readers return (integers past
        // Int64 and Int32, timestamps past year 9999, strings that are no valid text), which must not end the session.
        var kinds = AlpacaSimulatorServer.MalformedKinds(codec);
        await Eventually.Until(() => harness.Simulator.MalformedSent >= 2 * kinds && client.MalformedMessages >= 2 * (kinds - 1) && sink.Count > 100,
            Timeout, "every kind of malformed message among good ones");
        Assert.Equal(1, client.Authentications);
        Assert.Single(harness.Simulator.ConnectionTimes);
        Assert.Equal(FeedState.Live, client.Health.State);
        if (codec == AlpacaCodec.Json)
        {
            // An unknown `T` type is ignored, not malformed.
            await Eventually.Until(() => client.IgnoredItems > 0, Timeout, "an ignored unknown type");
        }
    }

    private static async Task<SimulatorSession> SingleSessionAsync(AlpacaHarness harness)
    {
        await Eventually.Until(() => harness.Simulator.Sessions.Count == 1 && harness.Simulator.Sessions.Single().Authenticated, Timeout, "one authenticated session");
        return harness.Simulator.Sessions.Single();
    }
}
