using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using QuoteCluster.Ingest;
using QuoteCluster.Quotes;
using QuoteCluster.Storage;

namespace QuoteCluster.Tests.Ingest;

public class FeedHeartbeatTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 14, 30, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(T0);
    private readonly HeartbeatStore _store = new();
    private readonly RecordingLogger _logger = new();

    private FeedHeartbeat Started()
    {
        var heartbeat = new FeedHeartbeat(_store, _time, _logger);
        heartbeat.StartMeasuring();
        return heartbeat;
    }

    /// <summary>The ingest's status as the grain reports it; the rate and heartbeat time in it are deliberately wrong, as the heartbeat must not read them.</summary>
    private static FeedStatus Feed(long received = 0, FeedState state = FeedState.Live, string? lastError = null, int symbols = 3) =>
        new("simulated", state, state == FeedState.Live, [.. Enumerable.Range(0, symbols).Select(i => $"S{i}")], received, QuotesPerSecond: 999,
            "MSFT", T0, lastError, LastHeartbeatAt: T0.AddDays(-1), "silo-1", SymbolCalls: 0);

    [Theory]
    [InlineData(FeedState.Live, true, false, HeartbeatStatus.Running)]
    [InlineData(FeedState.Live, false, false, HeartbeatStatus.Degraded)]
    [InlineData(FeedState.Starting, true, false, HeartbeatStatus.Starting)]
    [InlineData(FeedState.Starting, false, false, HeartbeatStatus.Starting)]
    [InlineData(FeedState.ConfigurationError, true, false, HeartbeatStatus.ConfigurationError)]
    [InlineData(FeedState.Reconnecting, true, false, HeartbeatStatus.Degraded)]
    [InlineData(FeedState.Stopped, true, false, HeartbeatStatus.Degraded)]
    [InlineData(FeedState.Stopped, true, true, HeartbeatStatus.Stopped)]
    [InlineData(FeedState.Live, true, true, HeartbeatStatus.Stopped)]
    public void The_status_follows_the_feed_and_the_store_and_a_stopped_ingest_is_stopped(FeedState feed, bool storeHealthy, bool ingestStopped, string expected)
    {
        _store.Health = storeHealthy ? StoreHealth.Ok : new StoreHealth(false, "deadline exceeded", 3);
        Assert.Equal(expected, Started().StatusOf(feed, ingestStopped));
    }

    [Fact]
    public async Task The_rate_is_the_quotes_received_between_two_heartbeats_per_second()
    {
        var heartbeat = Started();

        _time.Advance(TimeSpan.FromSeconds(15));
        await heartbeat.WriteAsync(HeartbeatStatus.Running, Feed(received: 30), CancellationToken.None);
        Assert.Equal(2, heartbeat.QuotesPerSecond, 6);

        _time.Advance(TimeSpan.FromSeconds(3));
        await heartbeat.WriteAsync(HeartbeatStatus.Running, Feed(received: 40), CancellationToken.None);
        Assert.Equal(10 / 3.0, heartbeat.QuotesPerSecond, 6);
        Assert.Equal(new[] { 2, 3.3 }, _store.Heartbeats.Select(h => h.QuotesPerSecond));
    }

    [Fact]
    public async Task A_heartbeat_within_half_a_second_of_the_last_measurement_keeps_the_rate_and_the_measurement_goes_on_from_there()
    {
        var heartbeat = Started();

        // The first heartbeat follows the feed's start at once: no rate yet.
        await heartbeat.WriteAsync(HeartbeatStatus.Starting, Feed(received: 5), CancellationToken.None);
        Assert.Equal(0, heartbeat.QuotesPerSecond);

        _time.Advance(TimeSpan.FromSeconds(10));
        await heartbeat.WriteAsync(HeartbeatStatus.Running, Feed(received: 20), CancellationToken.None);
        Assert.Equal(2, heartbeat.QuotesPerSecond, 6);

        _time.Advance(TimeSpan.FromMilliseconds(500));
        await heartbeat.WriteAsync(HeartbeatStatus.Stopped, Feed(received: 30), CancellationToken.None);
        Assert.Equal(2, heartbeat.QuotesPerSecond, 6);

        // Measured from the last heartbeat that set the rate, not from the one that kept it.
        _time.Advance(TimeSpan.FromMilliseconds(500));
        await heartbeat.WriteAsync(HeartbeatStatus.Running, Feed(received: 40), CancellationToken.None);
        Assert.Equal(20, heartbeat.QuotesPerSecond, 6);
    }

    [Fact]
    public async Task The_rate_starts_when_measuring_starts_not_when_the_heartbeat_is_made()
    {
        var heartbeat = new FeedHeartbeat(_store, _time, _logger);
        _time.Advance(TimeSpan.FromSeconds(30));
        heartbeat.StartMeasuring();

        _time.Advance(TimeSpan.FromSeconds(10));
        await heartbeat.WriteAsync(HeartbeatStatus.Running, Feed(received: 50), CancellationToken.None);
        Assert.Equal(5, heartbeat.QuotesPerSecond, 6);
    }

    [Fact]
    public async Task The_heartbeat_carries_the_feed_the_last_symbol_the_store_mode_and_the_symbol_count()
    {
        var heartbeat = Started();
        _time.Advance(TimeSpan.FromSeconds(1));
        await heartbeat.WriteAsync(HeartbeatStatus.Degraded, Feed(received: 4, state: FeedState.Reconnecting, symbols: 7), CancellationToken.None);

        var written = Assert.Single(_store.Heartbeats);
        Assert.Equal(new Heartbeat(T0.AddSeconds(1), HeartbeatStatus.Degraded, "MSFT", DryRun: false, "simulated", "reconnecting",
            LastError: null, QuotesPerSecond: 4, Symbols: 7), written);
        Assert.Equal(T0.AddSeconds(1), heartbeat.LastWrittenAt);
    }

    [Fact]
    public async Task The_feeds_error_comes_first_and_the_stores_fills_in_when_the_feed_has_none()
    {
        _store.Health = new StoreHealth(false, "deadline exceeded", 3);
        var heartbeat = Started();

        await heartbeat.WriteAsync(HeartbeatStatus.Degraded, Feed(state: FeedState.Reconnecting, lastError: "connection reset"), CancellationToken.None);
        await heartbeat.WriteAsync(HeartbeatStatus.Degraded, Feed(), CancellationToken.None);

        Assert.Equal(new[] { "connection reset", "deadline exceeded" }, _store.Heartbeats.Select(h => h.LastError));
    }

    [Fact]
    public async Task A_failed_write_is_logged_not_thrown_and_the_last_written_time_stays()
    {
        var heartbeat = Started();
        await heartbeat.WriteAsync(HeartbeatStatus.Running, Feed(), CancellationToken.None);
        Assert.Equal(T0, heartbeat.LastWrittenAt);

        var failure = new IOException("firestore unavailable");
        _store.Failure = failure;
        _time.Advance(TimeSpan.FromSeconds(15));
        await heartbeat.WriteAsync(HeartbeatStatus.Running, Feed(received: 30), CancellationToken.None);

        Assert.Equal(T0, heartbeat.LastWrittenAt);
        var logged = Assert.Single(_logger.Entries);
        Assert.Equal((LogLevel.Warning, "heartbeat_failed", failure), (logged.Level, logged.Event.Name, logged.Exception));

        // The rate is still measured, so the next heartbeat that gets through reports the current one.
        Assert.Equal(2, heartbeat.QuotesPerSecond, 6);
    }

    /// <summary>A store whose health and heartbeat failures a test sets; it keeps the heartbeats it accepted.</summary>
    private sealed class HeartbeatStore : IQuoteStore
    {
        private readonly List<Heartbeat> _heartbeats = [];

        public bool IsDryRun => false;

        public StoreHealth Health { get; set; } = StoreHealth.Ok;

        public Exception? Failure { get; set; }

        public IReadOnlyList<Heartbeat> Heartbeats => _heartbeats;

        public Task WriteQuotesAsync(IReadOnlyList<Quote> quotes, CancellationToken cancellationToken) =>
            throw new NotSupportedException("the heartbeat writes no quotes");

        public Task WriteHeartbeatAsync(Heartbeat heartbeat, CancellationToken cancellationToken)
        {
            if (Failure is not null) return Task.FromException(Failure);
            _heartbeats.Add(heartbeat);
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingLogger : ILogger
    {
        public sealed record Entry(LogLevel Level, EventId Event, Exception? Exception);

        public List<Entry> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add(new Entry(logLevel, eventId, exception));
    }
}
