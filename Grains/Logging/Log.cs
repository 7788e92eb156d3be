using Microsoft.Extensions.Logging;

namespace QuoteCluster.Logging;

/// <summary>The structured events of the system; each event name is the `event_type` of its JSON log line.</summary>
public static partial class Log
{
    [LoggerMessage(EventId = 1000, EventName = "quote", Level = LogLevel.Debug,
        Message = "quote {symbol} bid={bid} ask={ask} price={price} ({quotes_in_batch} quotes coalesced)")]
    public static partial void Quote(ILogger logger, string symbol, double bid, double ask, double price, int quotes_in_batch);

    [LoggerMessage(EventId = 1001, EventName = "firestore_write", Level = LogLevel.Information,
        Message = "{action} {path}: {symbol} bid={bid} ask={ask} price={price} ts={quote_ts} source={source} dry_run={dry_run}")]
    public static partial void FirestoreWrite(ILogger logger, string action, string path, string symbol, double bid, double ask, double price, DateTimeOffset quote_ts, string source, bool dry_run);

    [LoggerMessage(EventId = 1016, EventName = "firestore_rejected", Level = LogLevel.Error,
        Message = "Firestore rejected {count} writes with {status}: {detail}. Not retried: fix the credentials, the project or the data")]
    public static partial void FirestoreRejected(ILogger logger, string status, string detail, int count);

    [LoggerMessage(EventId = 1002, EventName = "heartbeat", Level = LogLevel.Information,
        Message = "heartbeat {status} to {path}: last_symbol={last_symbol} dry_run={dry_run} feed_state={feed_state} quotes_per_sec={quotes_per_sec} symbols={symbols} last_error={last_error}")]
    public static partial void Heartbeat(ILogger logger, string path, string status, string? last_symbol, bool dry_run, string feed_state, double quotes_per_sec, int symbols, string? last_error);

    [LoggerMessage(EventId = 1003, EventName = "ingest_started", Level = LogLevel.Information,
        Message = "ingest started on {silo}: feed {feed}, {symbol_count} symbols ({symbols})")]
    public static partial void IngestStarted(ILogger logger, string silo, string feed, int symbol_count, string symbols);

    [LoggerMessage(EventId = 1004, EventName = "ingest_stopped", Level = LogLevel.Information,
        Message = "ingest stopped: {reason} after {quotes_received} quotes")]
    public static partial void IngestStopped(ILogger logger, string reason, long quotes_received);

    [LoggerMessage(EventId = 1005, EventName = "ingest_dispatch_failed", Level = LogLevel.Warning,
        Message = "delivering {symbol} to its grain failed, one of {failures} failed deliveries since the last report; each is tried again")]
    public static partial void DispatchFailed(ILogger logger, Exception exception, string symbol, long failures);

    [LoggerMessage(EventId = 1024, EventName = "ingest_round_failed", Level = LogLevel.Warning,
        Message = "{failed} of {calls} calls to grains failed while {round}; every call was attempted")]
    public static partial void RoundFailed(ILogger logger, Exception exception, string round, int failed, int calls);

    [LoggerMessage(EventId = 1023, EventName = "ingest_dispatch_recovered", Level = LogLevel.Information,
        Message = "deliveries to SymbolGrains succeed again: none failed for {quiet_s} s and none is stuck; {failures} failed since the last report")]
    public static partial void DispatchRecovered(ILogger logger, double quiet_s, long failures);

    [LoggerMessage(EventId = 1006, EventName = "storage_write_failed", Level = LogLevel.Warning,
        Message = "writing {count} quotes failed; they stay pending")]
    public static partial void StorageWriteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 1007, EventName = "heartbeat_failed", Level = LogLevel.Warning,
        Message = "heartbeat write failed")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1008, EventName = "live_resubscribed", Level = LogLevel.Warning,
        Message = "live stream of {symbol} was silent or failed; re-subscribed its live partition and re-synced to version {version}")]
    public static partial void LiveResubscribed(ILogger logger, string symbol, long version);

    [LoggerMessage(EventId = 1009, EventName = "live_subscription_failed", Level = LogLevel.Warning,
        Message = "live subscription for {symbol} failed; will retry")]
    public static partial void LiveSubscriptionFailed(ILogger logger, Exception exception, string symbol);

    [LoggerMessage(EventId = 1010, EventName = "shutdown", Level = LogLevel.Information,
        Message = "shutdown: {step}")]
    public static partial void Shutdown(ILogger logger, string step);

    [LoggerMessage(EventId = 1011, EventName = "shutdown_incomplete", Level = LogLevel.Warning,
        Message = "shutdown step {step} did not finish: {reason}")]
    public static partial void ShutdownIncomplete(ILogger logger, string step, string reason);

    [LoggerMessage(EventId = 1012, EventName = "ingest_keepalive_failed", Level = LogLevel.Debug,
        Message = "could not reach the ingest grain; the next attempt follows")]
    public static partial void KeepAliveFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1013, EventName = "storage_resend", Level = LogLevel.Information,
        Message = "{symbol} version {version} was never confirmed stored; sending it again")]
    public static partial void StorageResend(ILogger logger, string symbol, long version);

    [LoggerMessage(EventId = 1014, EventName = "startup", Level = LogLevel.Information,
        Message = "QuoteCluster {role} starting: cluster mode {cluster_mode}, storage {storage}, feed {feed}")]
    public static partial void Startup(ILogger logger, string role, string cluster_mode, string storage, string feed);

    [LoggerMessage(EventId = 1017, EventName = "cluster_unreachable", Level = LogLevel.Warning,
        Message = "no silo of the cluster answers ({reason}); trying again in {retry_s} s")]
    public static partial void ClusterUnreachable(ILogger logger, string reason, double retry_s);

    [LoggerMessage(EventId = 1018, EventName = "silo_lost", Level = LogLevel.Warning,
        Message = "silo {silo} left the cluster ({status}); making sure the ingest feed runs on a survivor")]
    public static partial void SiloLost(ILogger logger, string silo, string status);

    [LoggerMessage(EventId = 1019, EventName = "shutdown_forced", Level = LogLevel.Error,
        Message = "shutdown did not finish within {limit_s} s (is Redis gone?); exiting now")]
    public static partial void ShutdownForced(ILogger logger, double limit_s);

    [LoggerMessage(EventId = 1020, EventName = "storage_enqueue_failed", Level = LogLevel.Warning,
        Message = "sending {symbol} version {version} to its storage writer failed; it stays pending and is retried")]
    public static partial void StorageEnqueueFailed(ILogger logger, Exception exception, string symbol, long version);

    [LoggerMessage(EventId = 1021, EventName = "latest_persist_failed", Level = LogLevel.Warning,
        Message = "keeping {symbol}'s latest quote in the cluster's storage failed; retried with its next write")]
    public static partial void LatestPersistFailed(ILogger logger, Exception exception, string symbol);

    [LoggerMessage(EventId = 1100, EventName = "alpaca_connect", Level = LogLevel.Information,
        Message = "connected to {url} ({codec}), attempt {attempt}")]
    public static partial void AlpacaConnecting(ILogger logger, string url, string codec, long attempt);

    [LoggerMessage(EventId = 1101, EventName = "alpaca_authenticated", Level = LogLevel.Information,
        Message = "authenticated on {url} (session {sessions})")]
    public static partial void AlpacaAuthenticated(ILogger logger, string url, long sessions);

    [LoggerMessage(EventId = 1102, EventName = "alpaca_subscribed", Level = LogLevel.Information,
        Message = "subscription now {quote_symbols} quote symbols and {trade_symbols} trade symbols")]
    public static partial void AlpacaSubscribed(ILogger logger, int quote_symbols, int trade_symbols);

    [LoggerMessage(EventId = 1103, EventName = "alpaca_error", Level = LogLevel.Warning,
        Message = "stream error {code} {msg}: {action}")]
    public static partial void AlpacaError(ILogger logger, int code, string msg, string action);

    [LoggerMessage(EventId = 1104, EventName = "alpaca_configuration_error", Level = LogLevel.Error,
        Message = "Alpaca refused the configuration (code {code}): {reason}. Retrying only every {retry_in_s} s")]
    public static partial void AlpacaConfigurationError(ILogger logger, int code, string reason, double retry_in_s);

    [LoggerMessage(EventId = 1105, EventName = "alpaca_disconnected", Level = LogLevel.Warning,
        Message = "stream session ended ({kind}): {reason}; reconnecting in {retry_in_s} s (failure {failures} since the last healthy session)")]
    public static partial void AlpacaDisconnected(ILogger logger, string reason, string kind, double retry_in_s, int failures);

    [LoggerMessage(EventId = 1106, EventName = "alpaca_malformed", Level = LogLevel.Warning,
        Message = "{count} malformed items since the last report ({malformed_total} in all), e.g. {reason}; skipped")]
    public static partial void AlpacaMalformed(ILogger logger, long count, string reason, long malformed_total);

    [LoggerMessage(EventId = 1107, EventName = "alpaca_silent", Level = LogLevel.Warning,
        Message = "no data for {silent_s} s on an open connection while the market is open; rebuilding it")]
    public static partial void AlpacaSilent(ILogger logger, double silent_s);

    [LoggerMessage(EventId = 1108, EventName = "alpaca_snapshot", Level = LogLevel.Information,
        Message = "snapshot of {requested} symbols from {url}: {found} with a quote, in {requests} requests")]
    public static partial void AlpacaSnapshot(ILogger logger, int requested, string url, int found, int requests);

    [LoggerMessage(EventId = 1109, EventName = "alpaca_snapshot_failed", Level = LogLevel.Warning,
        Message = "snapshot request for {symbols} symbols failed: {reason}; {action}")]
    public static partial void AlpacaSnapshotFailed(ILogger logger, int symbols, string reason, string action);

    [LoggerMessage(EventId = 1110, EventName = "alpaca_snapshot_configuration_error", Level = LogLevel.Error,
        Message = "Alpaca's market-data API refused the snapshot request (HTTP {status}): {advice}. No snapshot this time")]
    public static partial void AlpacaSnapshotConfigurationError(ILogger logger, int status, string advice);

    [LoggerMessage(EventId = 1022, EventName = "storage_refresh_failed", Level = LogLevel.Debug,
        Message = "could not read {symbol}'s grain before writing it; writing the quote held")]
    public static partial void StorageRefreshFailed(ILogger logger, Exception exception, string symbol);

    [LoggerMessage(EventId = 1040, EventName = "symbols_dropped", Level = LogLevel.Warning,
        Message = "MONITORED_SYMBOLS=* reached MAX_SYMBOLS={max_symbols}: {dropped_quotes} quotes of {dropped_symbols} more symbols dropped so far (latest {last_dropped}); raise MAX_SYMBOLS to ingest them")]
    public static partial void SymbolsDropped(ILogger logger, int max_symbols, long dropped_quotes, int dropped_symbols, string? last_dropped);

    [LoggerMessage(EventId = 1050, EventName = "stream_cache_blocks_unchanged", Level = LogLevel.Warning,
        Message = "the stream caches keep Orleans' blocks of 16,384 events (first found on queue {queue}), about 2 MB resident for each queue in use: this Orleans version keeps its block pool elsewhere, or another kind of pool")]
    public static partial void StreamCacheBlocksUnchanged(ILogger logger, string queue);
}
