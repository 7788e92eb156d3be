namespace QuoteCluster.Configuration;

/// <summary>How this process joins a cluster.</summary>
public enum ClusterMode
{
    /// <summary>One process, no external services: the Api co-hosts a localhost silo.</summary>
    Embedded,

    /// <summary>Silo processes on this machine (development clusters); the Api is a client of their gateway.</summary>
    Localhost,

    /// <summary>
    /// Production: membership, reminders and grain state (the ingest grain's symbols, stream subscriptions) in Redis,
    /// so silos on any hosts (Kubernetes pods) find each other and a lost silo's work moves to the survivors.
    /// </summary>
    Redis,
}

public static class MarketFeeds
{
    public const string Alpaca = "alpaca";
    public const string Simulated = "simulated";
}

public enum StorageMode
{
    /// <summary>Every write is logged as a `firestore_write` event with dry_run=true and nothing is written.</summary>
    DryRun,

    Firestore,
}

/// <summary>Every setting of the system, read by <see cref="QuoteClusterSettings"/> and validated at start-up; docs/configuration.md describes each.</summary>
public sealed record QuoteClusterOptions
{
    public string? TenantId { get; init; }
    public string? AlpacaKeyId { get; init; }
    public string? AlpacaSecretKey { get; init; }
    public string AlpacaDataFeed { get; init; } = "iex";
    public Uri AlpacaStreamUrl { get; init; } = new("wss://stream.data.alpaca.markets");
    /// <summary>The market-data REST API, for snapshots of symbols nothing is known of yet.</summary>
    public Uri AlpacaDataUrl { get; init; } = new("https://data.alpaca.markets");
    /// <summary>The symbols to ingest; empty when <see cref="AllSymbols"/> is set.</summary>
    public IReadOnlyList<string> MonitoredSymbols { get; init; } = ["SPY"];

    /// <summary>
    /// MONITORED_SYMBOLS=*: the feed ingests every symbol the market sends, and the ingest grain lists them as they
    /// arrive, up to <see cref="MaxSymbols"/>.
    /// </summary>
    public bool AllSymbols { get; init; }
    public bool DryRun { get; init; }
    public string? FirestoreProjectId { get; init; }
    public string? FirestoreEmulatorHost { get; init; }
    public string LiveQuotesCollection { get; init; } = "live_quotes";
    public bool WriteLegacyFields { get; init; }
    public TimeSpan PerSymbolMinInterval { get; init; } = TimeSpan.FromMilliseconds(1000);
    public double GlobalWritesPerSecond { get; init; } = 20;
    public int GlobalBurst { get; init; } = 40;
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan HeartbeatStaleAfter { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan ReconnectBackoffBase { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan ReconnectBackoffMax { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan? StopAfter { get; init; }
    /// <summary>The admin token: the API's every route, the dashboard and the metrics.</summary>
    public string? ApiToken { get; init; }

    /// <summary>Static tokens for machines that only read: quotes, streams and status, never subscriptions or operations.</summary>
    public IReadOnlyList<string> ApiReadTokens { get; init; } = [];

    /// <summary>JSON Web Tokens from the users' identity provider; null when the gateway takes static tokens only.</summary>
    public JwtSettings? Jwt { get; init; }

    /// <summary>The key that signs stream tickets; every gateway replica needs the same. Null: derived from the admin token.</summary>
    public string? StreamTicketKey { get; init; }

    /// <summary>Proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto are believed; empty: loopback only.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>Most symbols the feed may ingest: Alpaca's IEX (free) plan allows 30, paid SIP plans have no set limit.</summary>
    public int MaxSymbols { get; init; } = 30;

    /// <summary>Most concurrent SSE and WebSocket clients per gateway; the next is answered 503.</summary>
    public int ApiMaxConnections { get; init; } = 10_000;

    /// <summary>How often an idle SSE stream gets a keep-alive comment.</summary>
    public TimeSpan SseKeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    // Settings only QuoteCluster reads; those above keep the variable names our users already set.
    public ClusterMode ClusterMode { get; init; } = ClusterMode.Embedded;
    /// <summary>`alpaca`: the stream client at <see cref="AlpacaStreamUrl"/>; `simulated`: generated quotes in process, no network.</summary>
    public string MarketFeed { get; init; } = MarketFeeds.Alpaca;
    /// <summary>`msgpack` or `json`: the wire codec the Alpaca client asks for.</summary>
    public string AlpacaCodec { get; init; } = "msgpack";
    public TimeSpan AlpacaSilenceTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan AlpacaConnectionLimitBackoff { get; init; } = TimeSpan.FromSeconds(95);
    public double SimulatedQuotesPerSecond { get; init; } = 40;
    public int SimulatorSeed { get; init; } = 42;

    /// <summary>
    /// How many symbols the simulators' market lists, which is what MONITORED_SYMBOLS=* means there; 0: the twenty or so
    /// well-known tickers (<see cref="Feeds.Simulation.QuoteGenerator.WellKnownSymbols"/>).
    /// </summary>
    public int SimulatedUniverse { get; init; }
    /// <summary>
    /// The least time between two dispatch passes of the ingest pump. Natural batching (one call in flight per symbol)
    /// already coalesces under load, so this only keeps a busy pump from spinning; it adds no wait on an idle path.
    /// </summary>
    public TimeSpan IngestBatchInterval { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>How often each stream queue's pulling agent reads its queue: on average half of it is every update's wait.</summary>
    public TimeSpan StreamPollInterval { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// The most quote deliveries the ingest pump has in flight to SymbolGrains; symbols past it wait in the coalescer,
    /// which keeps replacing their quote with the newest.
    /// </summary>
    /// <remarks>
    /// Each pass sends up to this many calls at once, and the last of them waits behind the rest: measured on 2 cores
    /// (2026-11-30, in the history of BENCHMARKS.md), 300 against 1,000 gave the whole market p99 78-86 ms against 132-134 ms at
    /// about the same call rate.
    /// </remarks>
    public int IngestMaxInFlight { get; init; } = 300;
    public int WriterPartitions { get; init; } = 4;
    public TimeSpan StorageResendAfter { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan IngestKeepAliveInterval { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan IngestReminderPeriod { get; init; } = TimeSpan.FromMinutes(1);
    public bool IngestAutoStart { get; init; } = true;
    public TimeSpan LiveResyncInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The most SymbolGrains a gateway's healing pass reads. Symbols whose streams delivered since the last pass need no
    /// read; past this many quiet ones, the pass reads those read longest ago.
    /// </summary>
    public int LiveResyncMaxReads { get; init; } = 1000;
    /// <summary>StackExchange.Redis configuration string (`host:port,password=...,ssl=true`), required in Redis mode.</summary>
    public string? RedisConnectionString { get; init; }
    /// <summary>Redis's password, kept apart from the connection string so it can come from a Secret.</summary>
    public string? RedisPassword { get; init; }
    /// <summary>Mutual TLS between silos and clients; null: plain TCP.</summary>
    public OrleansTlsSettings? OrleansTls { get; init; }
    public string OrleansServiceId { get; init; } = "quotecluster";
    public string OrleansClusterId { get; init; } = "quotecluster";
    /// <summary>This silo's name in the cluster and on the dashboard (the Kubernetes pod name, from the downward API).</summary>
    public string? PodName { get; init; }
    /// <summary>The address other silos and clients reach this silo at (the pod IP); Orleans picks one when unset.</summary>
    public System.Net.IPAddress? PodIp { get; init; }
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    public bool Dashboard { get; init; } = true;

    public StorageMode StorageMode => DryRun ? StorageMode.DryRun : StorageMode.Firestore;
}
