namespace QuoteCluster.Api.Live;

/// <summary>The live fan-out's events; their ids continue the system's numbering in Grains' Log.</summary>
internal static partial class LiveLog
{
    [LoggerMessage(EventId = 1008, EventName = "live_resubscribed", Level = LogLevel.Warning,
        Message = "live subscription for {symbol} was silent or failed; re-subscribed and re-synced to version {version}")]
    public static partial void LiveResubscribed(ILogger logger, string symbol, long version);

    [LoggerMessage(EventId = 1009, EventName = "live_subscription_failed", Level = LogLevel.Warning,
        Message = "live subscription for {symbol} failed; will retry")]
    public static partial void LiveSubscriptionFailed(ILogger logger, Exception exception, string symbol);
}
