using Microsoft.Extensions.Configuration;
using QuoteCluster.Feeds.Alpaca;
using Microsoft.AspNetCore.Builder;
using QuoteCluster.Configuration;
using QuoteCluster.Hosting;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Configuration;

public class ConfigurationTests
{
    [Fact]
    public void Defaults_follow_the_shared_configuration_table()
    {
        var options = QuoteClusterTestCluster.Options();
        Assert.Equal(TimeSpan.FromMilliseconds(1000), options.PerSymbolMinInterval);
        Assert.Equal(20, options.GlobalWritesPerSecond);
        Assert.Equal(40, options.GlobalBurst);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.FlushInterval);
        Assert.Equal(TimeSpan.FromSeconds(15), options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.HeartbeatStaleAfter);
        Assert.Equal(["SPY"], options.MonitoredSymbols);
        Assert.Equal("iex", options.AlpacaDataFeed);
        Assert.Equal("live_quotes", options.LiveQuotesCollection);
        Assert.True(options.DryRun, "with no Firestore configured, the default is a dry run");
    }

    [Fact]
    public void The_dashboard_is_on_unless_a_host_says_otherwise()
    {
        // A Silo process serves it whatever its cluster mode; the embedded gateway turns its own default off
        // (EmbeddedDefaultDashboardTests).
        Assert.True(QuoteClusterTestCluster.Options().Dashboard);
        Assert.True(QuoteClusterTestCluster.Options(("CLUSTER_MODE", "localhost")).Dashboard);
        Assert.False(QuoteClusterTestCluster.Options(("ORLEANS_DASHBOARD", "0")).Dashboard);
    }

    [Fact]
    public void The_ingest_gap_is_1_ms_for_named_symbols_and_the_whole_market_alike_unless_set()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(1), QuoteClusterTestCluster.Options().IngestBatchInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(1), QuoteClusterTestCluster.Options(("MONITORED_SYMBOLS", "*")).IngestBatchInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(3), QuoteClusterTestCluster.Options(("MONITORED_SYMBOLS", "*"), ("INGEST_BATCH_INTERVAL_MS", "3")).IngestBatchInterval);
    }

    [Fact]
    public void Stream_poll_interval_is_read_and_bounded()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(3), QuoteClusterTestCluster.Options(("STREAM_POLL_INTERVAL_MS", "3")).StreamPollInterval);
        Assert.Throws<InvalidConfigurationException>(() => QuoteClusterTestCluster.Options(("STREAM_POLL_INTERVAL_MS", "0")));
    }

    [Fact]
    public void Back_compat_names_apply_only_when_the_first_name_is_unset()
    {
        var legacy = QuoteClusterTestCluster.Options(("ALPACA_SYMBOLS", "aapl,msft"), ("FIRESTORE_TENANT_ID", "t1"), ("ALPACA_API_KEY", "k"));
        Assert.Equal(["AAPL", "MSFT"], legacy.MonitoredSymbols);
        Assert.Equal("t1", legacy.TenantId);
        Assert.Equal("k", legacy.AlpacaKeyId);

        var both = QuoteClusterTestCluster.Options(("MONITORED_SYMBOLS", "SPY"), ("ALPACA_SYMBOLS", "AAPL"), ("TENANT_ID", "t2"), ("FIRESTORE_TENANT_ID", "t1"));
        Assert.Equal(["SPY"], both.MonitoredSymbols);
        Assert.Equal("t2", both.TenantId);
    }

    [Fact]
    public void The_appsettings_section_is_read_when_no_variable_is_set()
    {
        var options = QuoteClusterTestCluster.Options(("QuoteCluster:GLOBAL_BURST", "7"));
        Assert.Equal(7, options.GlobalBurst);
    }

    [Theory]
    [InlineData("PER_SYMBOL_MIN_INTERVAL_MS", "fast")]
    [InlineData("PER_SYMBOL_MIN_INTERVAL_MS", "-5")]
    [InlineData("GLOBAL_WRITES_PER_SEC", "0")]
    [InlineData("GLOBAL_BURST", "1.5")]
    [InlineData("HEARTBEAT_INTERVAL_S", "0")]
    [InlineData("DRY_RUN", "maybe")]
    [InlineData("ALPACA_DATA_FEED", "nasdaq")]
    [InlineData("ALPACA_STREAM_URL", "http://example.test")]
    [InlineData("APCA_API_DATA_URL", "wss://data.alpaca.markets")]
    [InlineData("APCA_API_DATA_URL", "data.alpaca.markets")]
    [InlineData("APCA_API_DATA_URL", "https://data.alpaca.markets/?feed=sip")]
    [InlineData("ALPACA_DATA_URL", "ftp://data.alpaca.markets")]
    [InlineData("MONITORED_SYMBOLS", "AAPL,bad$")]
    [InlineData("FIRESTORE_EMULATOR_HOST", "localhost")]
    [InlineData("FIRESTORE_LIVE_QUOTES_COLLECTION", "a/b")]
    [InlineData("CLUSTER_MODE", "mesh")]
    [InlineData("STOP_AFTER_SECONDS", "soon")]
    [InlineData("MARKET_FEED", "bloomberg")]
    [InlineData("ALPACA_CODEC", "protobuf")]
    [InlineData("ALPACA_SILENCE_TIMEOUT_S", "-1")]
    [InlineData("LIVE_RESYNC_MAX_READS", "0")]
    [InlineData("INGEST_MAX_IN_FLIGHT", "0")]
    public void A_bad_value_is_rejected_with_one_line_naming_the_variable_and_the_value(string name, string value)
    {
        (string, string)[] settings = name == "DRY_RUN" ? [(name, value)] : [(name, value), ("DRY_RUN", "1")];
        var error = Assert.Throws<InvalidConfigurationException>(() => QuoteClusterTestCluster.Options(settings));
        Assert.Contains(name, error.Message);
        Assert.Contains($"'{value}'", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void The_alpaca_feed_without_keys_stops_start_up_naming_both_ways_out()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => QuoteClusterTestCluster.Options(("MARKET_FEED", "alpaca"), ("APCA_API_KEY_ID", "k")));
        Assert.Contains("APCA_API_SECRET_KEY", error.Message);
        Assert.Contains("embedded Alpaca simulator", error.Message);
    }

    [Fact]
    public void Alpaca_settings_are_read_with_their_defaults()
    {
        var options = QuoteClusterTestCluster.Options(("MARKET_FEED", "alpaca"), ("ALPACA_KEY_ID", "k"), ("ALPACA_SECRET_KEY", "s"), ("ALPACA_CODEC", "json"));
        var settings = MarketDataFeedFactory.AlpacaSettings(options);
        Assert.Equal(new Uri("wss://stream.data.alpaca.markets/v2/iex"), settings.Endpoint);
        Assert.Equal(("k", "s"), (settings.KeyId, settings.SecretKey));
        Assert.Equal(AlpacaCodec.Json, settings.Codec);
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)), (settings.BackoffBase, settings.BackoffMax));
        Assert.Equal(TimeSpan.FromSeconds(95), settings.ConnectionLimitBackoff);
        Assert.Equal(new Uri("https://data.alpaca.markets"), settings.DataUrl);
        Assert.Equal("msgpack", QuoteClusterTestCluster.Options().AlpacaCodec);
    }

    [Theory]
    [InlineData("APCA_API_DATA_URL", "https://data.sandbox.alpaca.markets/", "https://data.sandbox.alpaca.markets")]
    [InlineData("ALPACA_DATA_URL", "http://127.0.0.1:8765", "http://127.0.0.1:8765")]
    public void The_market_data_url_is_read_under_the_sdk_name_or_its_alias(string name, string value, string expected)
    {
        var options = QuoteClusterTestCluster.Options((name, value));
        Assert.Equal(new Uri(expected), options.AlpacaDataUrl);
        Assert.Equal(new Uri(expected), MarketDataFeedFactory.AlpacaSettings(options with { AlpacaKeyId = "k", AlpacaSecretKey = "s" }).DataUrl);

        var both = QuoteClusterTestCluster.Options(("APCA_API_DATA_URL", "https://a.example"), ("ALPACA_DATA_URL", "https://b.example"));
        Assert.Equal(new Uri("https://a.example"), both.AlpacaDataUrl);
    }

    [Fact]
    public void The_test_feed_defaults_to_its_one_symbol_and_always_expects_data()
    {
        var options = QuoteClusterTestCluster.Options(("ALPACA_DATA_FEED", "test"));
        Assert.Equal(["FAKEPACA"], options.MonitoredSymbols);
        Assert.Equal(["AAPL"], QuoteClusterTestCluster.Options(("ALPACA_DATA_FEED", "test"), ("MONITORED_SYMBOLS", "AAPL")).MonitoredSymbols);

        var settings = new AlpacaStreamSettings(new Uri("wss://stream.data.alpaca.markets"), "test", "k", "s");
        Assert.Equal(new Uri("wss://stream.data.alpaca.markets/v2/test"), settings.Endpoint);
        Assert.True(settings.DataExpected(new DateTimeOffset(2026, 11, 21, 3, 0, 0, TimeSpan.Zero)), "the test stream runs 24/7");
        var iex = settings with { Feed = "iex" };
        Assert.False(iex.DataExpected(new DateTimeOffset(2026, 11, 21, 15, 0, 0, TimeSpan.Zero)), "Saturday");
        Assert.False(iex.DataExpected(new DateTimeOffset(2026, 11, 18, 13, 0, 0, TimeSpan.Zero)), "08:00 in New York");
        Assert.True(iex.DataExpected(new DateTimeOffset(2026, 11, 18, 15, 0, 0, TimeSpan.Zero)), "10:00 in New York");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false, "ALPACA_STREAM_URL", "wss://stream.data.sandbox.alpaca.markets")]
    [InlineData(false, "APCA_API_KEY_ID", "k")]
    [InlineData(false, "ALPACA_SECRET_KEY", "s")]
    [InlineData(false, "MARKET_FEED", "simulated")]
    [InlineData(true, "MARKET_FEED", "alpaca")]
    public void The_embedded_simulator_stands_in_only_when_nothing_points_the_alpaca_feed_anywhere(bool unconfigured, params string[] setting)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(setting.Length == 0 ? [] : [new KeyValuePair<string, string?>(setting[0], setting[1])])
            .Build();
        Assert.Equal(unconfigured, QuoteClusterSettings.AlpacaUnconfigured(configuration));
    }

    [Fact]
    public void Writing_to_firestore_without_a_tenant_stops_start_up()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => QuoteClusterTestCluster.Options(("FIRESTORE_EMULATOR_HOST", "127.0.0.1:8766")));
        Assert.Contains("TENANT_ID", error.Message);
    }

    [Fact]
    public void A_backoff_cap_below_the_base_is_rejected()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => QuoteClusterTestCluster.Options(("RECONNECT_BACKOFF_BASE_S", "10"), ("RECONNECT_BACKOFF_MAX_S", "5")));
        Assert.Contains("RECONNECT_BACKOFF_MAX_S", error.Message);
    }

    [Fact]
    public async Task A_host_with_bad_configuration_exits_with_code_2_before_starting()
    {
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        try
        {
            var exitCode = await QuoteClusterProgram.RunAsync(() =>
            {
                var builder = QuoteClusterProgram.CreateBuilder(["--GLOBAL_BURST=lots"]);
                builder.AddQuoteClusterSilo();
                return builder.Build();
            });
            Assert.Equal(2, exitCode);
        }
        finally
        {
            Console.SetError(original);
        }

        var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("GLOBAL_BURST='lots'", line);
    }
}
