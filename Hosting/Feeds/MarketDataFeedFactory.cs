using Microsoft.Extensions.Logging;
using QuoteCluster.Configuration;
using QuoteCluster.Feeds;
using QuoteCluster.Feeds.Alpaca;
using QuoteCluster.Feeds.Simulation;

namespace QuoteCluster.Hosting;

/// <summary>The feed MARKET_FEED asks for, made anew for each activation of the ingest grain.</summary>
public sealed class MarketDataFeedFactory(QuoteClusterOptions options, TimeProvider time, ILoggerFactory loggers) : IMarketDataFeedFactory
{
    public IMarketDataFeed Create() => options.MarketFeed switch
    {
        MarketFeeds.Simulated => new SimulatedMarketFeed(options.SimulatedQuotesPerSecond, options.SimulatorSeed, time, options.SimulatedUniverse),
        _ => new AlpacaStreamClient(AlpacaSettings(options), time, loggers.CreateLogger<AlpacaStreamClient>()),
    };

    /// <summary>The Alpaca client's settings from QuoteCluster's.</summary>
    public static AlpacaStreamSettings AlpacaSettings(QuoteClusterOptions options) =>
        new(options.AlpacaStreamUrl, options.AlpacaDataFeed, options.AlpacaKeyId!, options.AlpacaSecretKey!)
        {
            Codec = options.AlpacaCodec == "json" ? AlpacaCodec.Json : AlpacaCodec.MessagePack,
            BackoffBase = options.ReconnectBackoffBase,
            BackoffMax = options.ReconnectBackoffMax,
            SilenceTimeout = options.AlpacaSilenceTimeout,
            ConnectionLimitBackoff = options.AlpacaConnectionLimitBackoff,
            DataUrl = options.AlpacaDataUrl,
        };
}
