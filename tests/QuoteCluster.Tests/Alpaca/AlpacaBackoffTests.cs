using QuoteCluster.Feeds.Alpaca;

namespace QuoteCluster.Tests.Alpaca;

public sealed class AlpacaBackoffTests
{
    private static readonly AlpacaStreamSettings Settings = new(new Uri("ws://127.0.0.1:1"), "iex", "k", "s")
    {
        BackoffBase = TimeSpan.FromSeconds(1),
        BackoffMax = TimeSpan.FromSeconds(60),
        ConnectionLimitBackoff = TimeSpan.FromSeconds(95),
    };

    [Fact]
    public void Ceilings_double_from_the_base_up_to_the_cap()
    {
        var backoff = new AlpacaBackoff(Settings, new Random(1));
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], Enumerable.Range(0, 8).Select(n => backoff.Ceiling(n).TotalSeconds));
        Assert.Equal(60, backoff.Ceiling(10_000).TotalSeconds);
    }

    [Fact]
    public void Full_jitter_stays_between_zero_and_the_ceiling_and_spreads_across_it()
    {
        var backoff = new AlpacaBackoff(Settings, new Random(7));
        var delays = new List<double>();
        for (var i = 0; i < 2000; i++)
        {
            backoff.SessionEnded(authenticatedFor: Settings.BackoffMax);
            for (var n = 0; n < 3; n++) backoff.NextDelay(AlpacaSessionEndKind.Transient);
            delays.Add(backoff.NextDelay(AlpacaSessionEndKind.Transient).TotalSeconds);
        }

        Assert.All(delays, d => Assert.InRange(d, 0, 8));
        Assert.InRange(delays.Average(), 3.6, 4.4);
        Assert.True(delays.Min() < 0.5 && delays.Max() > 7.5);
    }

    [Fact]
    public void A_session_authenticated_for_the_backoff_cap_restarts_the_schedule()
    {
        var backoff = new AlpacaBackoff(Settings, new Random(3));
        for (var n = 0; n < 5; n++) backoff.NextDelay(AlpacaSessionEndKind.Transient);
        Assert.Equal(5, backoff.FailuresSinceHealthy);
        backoff.SessionEnded(authenticatedFor: TimeSpan.FromSeconds(60));
        Assert.Equal(0, backoff.FailuresSinceHealthy);
        Assert.InRange(backoff.NextDelay(AlpacaSessionEndKind.Transient).TotalSeconds, 0, 1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.5)]
    [InlineData(59.9)]
    public void A_session_that_ended_sooner_leaves_the_schedule_where_it_was(double seconds)
    {
        var backoff = new AlpacaBackoff(Settings, new Random(3));
        for (var n = 0; n < 5; n++) backoff.NextDelay(AlpacaSessionEndKind.Transient);
        backoff.SessionEnded(authenticatedFor: TimeSpan.FromSeconds(seconds));
        Assert.Equal(5, backoff.FailuresSinceHealthy);
    }

    [Fact]
    public void Connection_limit_waits_past_the_reaping_window_and_configuration_errors_wait_the_cap()
    {
        var backoff = new AlpacaBackoff(Settings, new Random(3));
        Assert.InRange(backoff.NextDelay(AlpacaSessionEndKind.ConnectionLimit).TotalSeconds, 95, 96);
        Assert.Equal(60, backoff.NextDelay(AlpacaSessionEndKind.Configuration).TotalSeconds);
    }

    [Theory]
    [InlineData(402, true)]
    [InlineData(409, true)]
    [InlineData(410, true)]
    [InlineData(411, true)]
    [InlineData(406, false)]
    [InlineData(407, false)]
    [InlineData(500, false)]
    public void Configuration_errors_are_the_ones_the_protocol_notes_name(int code, bool configuration)
    {
        Assert.Equal(configuration, AlpacaErrorCodes.IsConfigurationError(code));
        Assert.Equal(configuration, AlpacaErrorCodes.Advice(code).Length > 0);
    }
}
