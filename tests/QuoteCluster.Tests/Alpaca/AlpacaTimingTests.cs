using Microsoft.Extensions.Time.Testing;
using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Feeds.Alpaca;
using QuoteCluster.Ingest;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Alpaca;

/// <summary>The reconnect schedule and the silence watchdog, on a fake clock against the real simulator.</summary>
public sealed class AlpacaTimingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task Under_a_server_that_drops_every_connection_attempts_follow_the_backoff_schedule()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        harness.Simulator.Faults.DropEvery = TimeSpan.Zero;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 18, 15, 0, 0, TimeSpan.Zero));
        var settings = harness.Settings() with { BackoffBase = TimeSpan.FromSeconds(1), BackoffMax = TimeSpan.FromSeconds(8) };
        var (client, _) = await harness.ConnectAsync(settings, ["AAPL"], time, new FixedRandom(0.75));

        // 0.75 × min(8 s, 1 s·2^n): 0.75, 1.5, 3, 6, 6, 6 s.
        var schedule = new AlpacaBackoff(settings, new FixedRandom(0.75));
        var delays = Enumerable.Range(0, 6).Select(_ => schedule.NextDelay(AlpacaSessionEndKind.Transient)).ToList();
        Assert.Equal([0.75, 1.5, 3, 6, 6, 6], delays.Select(d => d.TotalSeconds));

        for (var attempt = 1; attempt <= delays.Count; attempt++)
        {
            await Eventually.Until(() => harness.Simulator.ConnectionTimes.Count == attempt && client.ConnectionAttempts == attempt
                && client.Health.State == FeedState.Reconnecting, Timeout, $"failed attempt {attempt}");

            // No time passes on the clock, so nothing may happen: a client in a tight loop would be here hundreds of times.
            await Task.Delay(Settle);
            time.Advance(delays[attempt - 1] - TimeSpan.FromMilliseconds(10));
            await Task.Delay(Settle);
            Assert.Equal(attempt, harness.Simulator.ConnectionTimes.Count);

            time.Advance(TimeSpan.FromMilliseconds(20));
        }

        await Eventually.Until(() => harness.Simulator.ConnectionTimes.Count == delays.Count + 1, Timeout, "the attempt after the last delay");
    }

    [Fact]
    public async Task A_server_that_authenticates_and_then_drops_at_once_sees_growing_delays_until_a_session_proves_healthy()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 200 });

        // A repeated 407: every session is declared slow and dropped right after its auth.
        harness.Simulator.Faults.DeclareSlowAfter = TimeSpan.Zero;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 18, 15, 0, 0, TimeSpan.Zero));
        var settings = harness.Settings() with { BackoffBase = TimeSpan.FromSeconds(1), BackoffMax = TimeSpan.FromSeconds(8), SilenceTimeout = TimeSpan.Zero };
        var (client, _) = await harness.ConnectAsync(settings, ["AAPL"], time, new FixedRandom(0.75));

        // An auth is no proof of health: the delays grow as if the sessions had never authenticated, 0.75 × min(8 s, 1 s·2^n).
        double[] delays = [0.75, 1.5, 3, 6, 6];
        for (var attempt = 1; attempt <= delays.Length; attempt++)
        {
            await Eventually.Until(() => client.Authentications == attempt && harness.Simulator.ErrorsSent(AlpacaErrorCodes.SlowClient) == attempt
                && client.Health.State == FeedState.Reconnecting, Timeout, $"authenticated and dropped session {attempt}");

            // The last session is let live, before it connects.
            if (attempt == delays.Length) harness.Simulator.Faults.DeclareSlowAfter = null;
            await AssertNextConnectionAfterAsync(harness, time, TimeSpan.FromSeconds(delays[attempt - 1]), attempt);
        }

        // A session that stays up for the backoff cap (8 s here) has proved the connection works: when it drops, the
        // schedule starts again, and the client is back after the first step's 0.75 s, not the cap's 6 s.
        var sessions = delays.Length + 1;
        await Eventually.Until(() => client.Authentications == sessions && client.Health.State == FeedState.Live, Timeout, "a session that stays");
        await AdvanceAsync(time, TimeSpan.FromSeconds(8));
        await harness.Simulator.DropAllAsync(DropMode.CloseFrame);
        await Eventually.Until(() => client.Health.State == FeedState.Reconnecting, Timeout, "the healthy session dropped");
        await AssertNextConnectionAfterAsync(harness, time, TimeSpan.FromSeconds(0.75), sessions);
        await Eventually.Until(() => client.Authentications == sessions + 1, Timeout, "a session after the quick reconnect");
    }

    [Fact]
    public async Task A_session_that_drops_before_the_backoff_cap_keeps_the_schedule_growing()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 200 });
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 18, 15, 0, 0, TimeSpan.Zero));
        var settings = harness.Settings() with { BackoffBase = TimeSpan.FromSeconds(1), BackoffMax = TimeSpan.FromSeconds(8), SilenceTimeout = TimeSpan.Zero };
        var (client, _) = await harness.ConnectAsync(settings, ["AAPL"], time, new FixedRandom(0.75));

        // Sessions of 7 s, just short of the 8 s cap: a proxy cutting connections, say. Each drop waits longer.
        double[] delays = [0.75, 1.5, 3];
        for (var attempt = 1; attempt <= delays.Length; attempt++)
        {
            await Eventually.Until(() => client.Authentications == attempt && client.Health.State == FeedState.Live, Timeout, $"session {attempt}");
            await AdvanceAsync(time, TimeSpan.FromSeconds(7));
            await harness.Simulator.DropAllAsync(DropMode.CloseFrame);
            await Eventually.Until(() => client.Health.State == FeedState.Reconnecting, Timeout, $"session {attempt} dropped");
            await AssertNextConnectionAfterAsync(harness, time, TimeSpan.FromSeconds(delays[attempt - 1]), attempt);
        }
    }

    /// <summary>Checks that nothing connects until <paramref name="delay"/> has passed on the clock, and then something does.</summary>
    private static async Task AssertNextConnectionAfterAsync(AlpacaHarness harness, FakeTimeProvider time, TimeSpan delay, int connectionsSoFar)
    {
        await Task.Delay(Settle);
        time.Advance(delay - TimeSpan.FromMilliseconds(10));
        await Task.Delay(Settle);
        Assert.True(connectionsSoFar == harness.Simulator.ConnectionTimes.Count,
            $"connection {connectionsSoFar + 1} came before the {delay.TotalSeconds} s delay had passed");
        time.Advance(TimeSpan.FromMilliseconds(20));
        await Eventually.Until(() => harness.Simulator.ConnectionTimes.Count == connectionsSoFar + 1, Timeout, $"connection {connectionsSoFar + 1} after {delay.TotalSeconds} s");
    }

    [Fact]
    public async Task With_real_jitter_a_dropping_server_sees_a_handful_of_attempts_not_a_storm()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        harness.Simulator.Faults.DropEvery = TimeSpan.Zero;
        var settings = harness.Settings() with { BackoffBase = TimeSpan.FromMilliseconds(100), BackoffMax = TimeSpan.FromSeconds(2) };
        var (client, _) = await harness.ConnectAsync(settings, ["AAPL"]);

        await Task.Delay(TimeSpan.FromSeconds(3));

        // Full jitter averages half of 0.1, 0.2, 0.4, 0.8, 1.6, 2, 2 ... s: about eight attempts in 3 s.
        var attempts = harness.Simulator.ConnectionTimes.Count;
        Assert.InRange(attempts, 3, 20);
        Assert.Equal(FeedState.Reconnecting, client.Health.State);
    }

    [Fact]
    public async Task A_silent_socket_is_rebuilt_while_the_market_is_open_and_data_keeps_it_alive()
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 400 });

        // Wednesday 10:00 in New York: the regular session, when silence means a stall.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 18, 15, 0, 0, TimeSpan.Zero));
        var settings = harness.Settings() with { SilenceTimeout = TimeSpan.FromSeconds(30) };
        var (client, _) = await harness.ConnectAsync(settings, ["AAPL"], time, new FixedRandom(0.5));
        await Eventually.Until(() => client.Authentications == 1 && client.QuotesReceived > 0, Timeout, "a live session");

        // Data flowing: a minute on the clock passes without a reconnect.
        await AdvanceAsync(time, TimeSpan.FromSeconds(60));
        Assert.Equal(1, client.Authentications);

        harness.Simulator.Faults.Silent = true;
        await Task.Delay(Settle);
        await AdvanceAsync(time, TimeSpan.FromSeconds(25));
        Assert.Equal(1, client.Authentications);

        // Past 30 s of silence the client tears the socket down itself (the server neither closed it nor sent an error)
        // and, one short backoff later, builds a new one.
        await AdvanceAsync(time, TimeSpan.FromSeconds(10));
        await Eventually.Until(() => client.Authentications == 2 && harness.Simulator.ConnectionTimes.Count == 2, Timeout, "a rebuilt session");
        Assert.Equal(0, harness.Simulator.ErrorsSent(AlpacaErrorCodes.SlowClient));
    }

    [Fact]
    public async Task Silence_while_the_market_is_closed_is_not_a_stall()
    {
        await using var harness = await AlpacaHarness.StartAsync();
        harness.Simulator.Faults.Silent = true;

        // Saturday: no quotes are expected, so a quiet socket stays.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 15, 0, 0, TimeSpan.Zero));
        var settings = harness.Settings() with { SilenceTimeout = TimeSpan.FromSeconds(30) };
        var (client, _) = await harness.ConnectAsync(settings, ["AAPL"], time);
        await Eventually.Until(() => client.Authentications == 1 && harness.Simulator.Sessions.Any(s => s.QuoteSymbols.Count == 1), Timeout, "a subscribed session");

        await AdvanceAsync(time, TimeSpan.FromSeconds(120));
        Assert.Equal(1, client.Authentications);
        Assert.Equal(FeedState.Live, client.Health.State);
    }

    private static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan by)
    {
        // One second at a time, with real time between steps for I/O and the watchdog's re-armed delay.
        for (var step = TimeSpan.Zero; step < by; step += TimeSpan.FromSeconds(1))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(30);
        }
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
