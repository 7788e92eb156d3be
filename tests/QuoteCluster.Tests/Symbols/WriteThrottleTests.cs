using Microsoft.Extensions.Time.Testing;
using QuoteCluster.Symbols;

namespace QuoteCluster.Tests.Symbols;

public class WriteThrottleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(1000);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 14, 30, 0, TimeSpan.Zero));

    [Fact]
    public void The_first_change_is_written_at_once()
    {
        var throttle = new WriteThrottle(Interval);
        Assert.Equal(TimeSpan.Zero, throttle.OnChange(_time.GetUtcNow()));
    }

    [Fact]
    public void A_change_inside_the_interval_waits_for_the_trailing_edge()
    {
        var throttle = new WriteThrottle(Interval);
        throttle.OnChange(_time.GetUtcNow());
        throttle.OnWritten(_time.GetUtcNow());

        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(TimeSpan.FromMilliseconds(700), throttle.OnChange(_time.GetUtcNow()));
        Assert.True(throttle.Pending);

        _time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal(TimeSpan.Zero, throttle.DueIn(_time.GetUtcNow()));
    }

    [Fact]
    public void A_change_after_a_quiet_interval_is_written_at_once()
    {
        var throttle = new WriteThrottle(Interval);
        throttle.OnChange(_time.GetUtcNow());
        throttle.OnWritten(_time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.Zero, throttle.OnChange(_time.GetUtcNow()));
    }
}
