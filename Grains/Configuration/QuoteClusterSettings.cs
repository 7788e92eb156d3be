using System.Globalization;
using Microsoft.Extensions.Configuration;
using QuoteCluster.Symbols;

namespace QuoteCluster.Configuration;

/// <summary>Reads <see cref="QuoteClusterOptions"/> from configuration under the variable names our users already set.</summary>
/// <remarks>
/// Each value is looked up at the configuration root (environment variables, command-line switches) and then in the
/// `QuoteCluster` section (appsettings.json). A setting with more than one name (`FIRESTORE_PROJECT_ID` or
/// `FIREBASE_PROJECT_ID`) takes the first that is set; docs/configuration.md lists every name.
/// </remarks>
public static class QuoteClusterSettings
{
    public const string Section = "QuoteCluster";

    /// <summary>The one symbol of Alpaca's 24/7 test stream: the default symbol set when ALPACA_DATA_FEED=test.</summary>
    public const string TestStreamSymbol = "FAKEPACA";

    public static QuoteClusterOptions Load(IConfiguration configuration)
    {
        var reader = new Reader(configuration);
        var defaults = new QuoteClusterOptions();
        var mode = reader.Enum("CLUSTER_MODE", defaults.ClusterMode);
        var emulatorHost = reader.String("FIRESTORE_EMULATOR_HOST");
        var marketFeed = reader.OneOf("MARKET_FEED", defaults.MarketFeed, MarketFeeds.Alpaca, MarketFeeds.Simulated);
        var feed = reader.OneOf("ALPACA_DATA_FEED", defaults.AlpacaDataFeed, "iex", "sip", "delayed_sip", "test");
        var projectId = reader.String("FIRESTORE_PROJECT_ID", "FIREBASE_PROJECT_ID");
        var allSymbols = reader.Wildcard("MONITORED_SYMBOLS", "ALPACA_SYMBOLS");

        // With nowhere to write, the embedded default logs would-be writes instead of failing: DRY_RUN's default
        // follows whether Firestore is configured at all.
        var firestoreConfigured = emulatorHost is not null || projectId is not null;
        var dryRun = reader.Flag("DRY_RUN", !firestoreConfigured);

        var options = new QuoteClusterOptions
        {
            TenantId = reader.Tenant("TENANT_ID", "FIRESTORE_TENANT_ID"),
            AlpacaKeyId = reader.String("APCA_API_KEY_ID", "ALPACA_KEY_ID", "ALPACA_API_KEY"),
            AlpacaSecretKey = reader.String("APCA_API_SECRET_KEY", "ALPACA_SECRET_KEY"),
            AlpacaDataFeed = feed,
            AlpacaStreamUrl = reader.WebSocketUrl("ALPACA_STREAM_URL", defaults.AlpacaStreamUrl),
            AlpacaDataUrl = reader.HttpUrl(defaults.AlpacaDataUrl, "APCA_API_DATA_URL", "ALPACA_DATA_URL"),
            MonitoredSymbols = allSymbols ? [] : reader.Symbols(feed == "test" ? [TestStreamSymbol] : defaults.MonitoredSymbols, "MONITORED_SYMBOLS", "ALPACA_SYMBOLS"),
            AllSymbols = allSymbols,
            DryRun = dryRun,
            FirestoreProjectId = projectId,
            FirestoreEmulatorHost = emulatorHost is null ? null : reader.HostPort("FIRESTORE_EMULATOR_HOST", emulatorHost),
            LiveQuotesCollection = reader.DocumentId(defaults.LiveQuotesCollection, "FIRESTORE_LIVE_QUOTES_COLLECTION", "FIRESTORE_LATEST_COLLECTION"),
            WriteLegacyFields = reader.Flag("FIRESTORE_WRITE_LEGACY_FIELDS", defaults.WriteLegacyFields),
            PerSymbolMinInterval = reader.Milliseconds("PER_SYMBOL_MIN_INTERVAL_MS", defaults.PerSymbolMinInterval, 0, 3_600_000),
            GlobalWritesPerSecond = reader.Number("GLOBAL_WRITES_PER_SEC", defaults.GlobalWritesPerSecond, 0.01, 100_000),
            GlobalBurst = reader.Integer("GLOBAL_BURST", defaults.GlobalBurst, 1, 100_000),
            FlushInterval = reader.Milliseconds("FLUSH_INTERVAL_MS", defaults.FlushInterval, 10, 60_000),
            HeartbeatInterval = reader.Seconds("HEARTBEAT_INTERVAL_S", defaults.HeartbeatInterval, 1, 3600),
            HeartbeatStaleAfter = reader.Seconds("HEARTBEAT_STALE_AFTER_S", defaults.HeartbeatStaleAfter, 1, 86_400),
            ReconnectBackoffBase = reader.Seconds("RECONNECT_BACKOFF_BASE_S", defaults.ReconnectBackoffBase, 0.01, 3600),
            ReconnectBackoffMax = reader.Seconds("RECONNECT_BACKOFF_MAX_S", defaults.ReconnectBackoffMax, 0.01, 86_400),
            StopAfter = reader.OptionalSeconds("STOP_AFTER_SECONDS", 0.1, 31_536_000),
            ApiToken = reader.String("API_TOKEN"),
            ApiReadTokens = reader.List("API_READ_TOKENS"),
            Jwt = ReadJwt(reader),
            StreamTicketKey = reader.Secret("STREAM_TICKET_KEY"),
            TrustedProxies = reader.Networks("TRUSTED_PROXIES"),
            MaxSymbols = reader.Integer("MAX_SYMBOLS", marketFeed == MarketFeeds.Alpaca && feed == "iex" ? 30 : 10_000, 1, 100_000),
            ApiMaxConnections = reader.Integer("API_MAX_CONNECTIONS", defaults.ApiMaxConnections, 1, 1_000_000),
            SseKeepAlive = reader.Seconds("SSE_KEEPALIVE_S", defaults.SseKeepAlive, 0.1, 3600),
            ClusterMode = mode,
            MarketFeed = marketFeed,
            AlpacaCodec = reader.OneOf("ALPACA_CODEC", "msgpack", "msgpack", "json"),
            AlpacaSilenceTimeout = reader.Seconds("ALPACA_SILENCE_TIMEOUT_S", defaults.AlpacaSilenceTimeout, 0, 86_400),
            AlpacaConnectionLimitBackoff = reader.Seconds("ALPACA_CONNECTION_LIMIT_BACKOFF_S", defaults.AlpacaConnectionLimitBackoff, 0, 3600),
            SimulatedQuotesPerSecond = reader.Number("SIMULATED_QUOTES_PER_SEC", defaults.SimulatedQuotesPerSecond, 0.1, 10_000_000),
            SimulatorSeed = reader.Integer("SIMULATOR_SEED", defaults.SimulatorSeed, int.MinValue, int.MaxValue),
            SimulatedUniverse = reader.Integer("SIMULATED_UNIVERSE", defaults.SimulatedUniverse, 0, 100_000),
            IngestBatchInterval = reader.Milliseconds("INGEST_BATCH_INTERVAL_MS", defaults.IngestBatchInterval, 1, 10_000),
            StreamPollInterval = reader.Milliseconds("STREAM_POLL_INTERVAL_MS", defaults.StreamPollInterval, 1, 1_000),
            IngestMaxInFlight = reader.Integer("INGEST_MAX_IN_FLIGHT", defaults.IngestMaxInFlight, 1, 1_000_000),
            WriterPartitions = reader.Integer("WRITER_PARTITIONS", defaults.WriterPartitions, 1, 256),
            StorageResendAfter = reader.Seconds("STORAGE_RESEND_AFTER_S", defaults.StorageResendAfter, 1, 3600),
            IngestKeepAliveInterval = reader.Seconds("INGEST_KEEPALIVE_S", defaults.IngestKeepAliveInterval, 0.1, 3600),
            IngestReminderPeriod = reader.Seconds("INGEST_REMINDER_PERIOD_S", defaults.IngestReminderPeriod, 1, 86_400),
            IngestAutoStart = reader.Flag("INGEST_AUTOSTART", defaults.IngestAutoStart),
            LiveResyncInterval = reader.Seconds("LIVE_RESYNC_INTERVAL_S", defaults.LiveResyncInterval, 0.1, 3600),
            LiveResyncMaxReads = reader.Integer("LIVE_RESYNC_MAX_READS", defaults.LiveResyncMaxReads, 1, 1_000_000),
            RedisConnectionString = reader.String("REDIS_CONNECTION_STRING"),
            RedisPassword = reader.String("REDIS_PASSWORD"),
            OrleansTls = ReadOrleansTls(reader),
            OrleansServiceId = reader.Identifier("ORLEANS_SERVICE_ID", defaults.OrleansServiceId),
            OrleansClusterId = reader.Identifier("ORLEANS_CLUSTER_ID", defaults.OrleansClusterId),
            PodName = reader.String("POD_NAME"),
            PodIp = reader.IpAddress("POD_IP"),
            SiloPort = reader.Integer("ORLEANS_SILO_PORT", defaults.SiloPort, 1, 65_535),
            GatewayPort = reader.Integer("ORLEANS_GATEWAY_PORT", defaults.GatewayPort, 1, 65_535),
            Dashboard = reader.Flag("ORLEANS_DASHBOARD", defaults.Dashboard),
        };

        if (options.ReconnectBackoffMax < options.ReconnectBackoffBase)
        {
            throw new InvalidConfigurationException(
                $"RECONNECT_BACKOFF_MAX_S={options.ReconnectBackoffMax.TotalSeconds} is below RECONNECT_BACKOFF_BASE_S={options.ReconnectBackoffBase.TotalSeconds}: the cap must be at least the base.");
        }

        if (!options.AllSymbols && options.MonitoredSymbols.Count > options.MaxSymbols)
        {
            throw new InvalidConfigurationException(
                $"MONITORED_SYMBOLS has {options.MonitoredSymbols.Count} symbols, over MAX_SYMBOLS={options.MaxSymbols} (the feed's symbol limit; IEX allows 30): name fewer or raise MAX_SYMBOLS.");
        }

        if (options.MarketFeed == MarketFeeds.Alpaca && (options.AlpacaKeyId is null || options.AlpacaSecretKey is null))
        {
            throw new InvalidConfigurationException(
                "APCA_API_KEY_ID / APCA_API_SECRET_KEY are not both set: the Alpaca feed needs them; set both, or unset ALPACA_STREAM_URL and the keys to run on the embedded Alpaca simulator, or set MARKET_FEED=simulated.");
        }

        if (options.ClusterMode == ClusterMode.Redis && options.RedisConnectionString is null)
        {
            throw new InvalidConfigurationException(
                "REDIS_CONNECTION_STRING is not set: CLUSTER_MODE=redis keeps membership, reminders and grain state in Redis; set it (e.g. redis:6379), or unset CLUSTER_MODE for the embedded default.");
        }

        if (options.StorageMode == StorageMode.Firestore && options.TenantId is null)
        {
            throw new InvalidConfigurationException(
                "TENANT_ID is not set: writing to Firestore needs it (every document lives under tenants/{TENANT_ID}/); set TENANT_ID (or FIRESTORE_TENANT_ID), or DRY_RUN=1.");
        }

        if (options.ApiToken is { } admin && options.ApiReadTokens.Contains(admin, StringComparer.Ordinal))
        {
            throw new InvalidConfigurationException(
                "API_READ_TOKENS contains API_TOKEN: a token is either the admin's or read-only; give the read-only clients tokens of their own.");
        }

        if (options.Jwt is not null && options.TenantId is null)
        {
            throw new InvalidConfigurationException(
                $"TENANT_ID is not set: JSON Web Tokens are accepted only when their {JwtSettings.TenantClaim} claim names this deployment's tenant; set TENANT_ID.");
        }

        return options;
    }

    /// <summary>
    /// The users' identity provider: the Firebase preset (FIREBASE_AUTH_PROJECT_ID), or an issuer, an audience and one
    /// source of keys. Null when none of the JWT variables is set.
    /// </summary>
    private static JwtSettings? ReadJwt(Reader reader)
    {
        var firebase = reader.String("FIREBASE_AUTH_PROJECT_ID");
        var issuer = reader.String("JWT_ISSUER");
        var audience = reader.String("JWT_AUDIENCE");
        var signingKey = reader.Secret("JWT_SIGNING_KEY");
        var authority = reader.HttpsUrl("JWT_AUTHORITY");
        var jwks = reader.HttpsUrl("JWT_JWKS_URL");
        var roleClaim = reader.ClaimName("JWT_ROLE_CLAIM", "role");
        if (firebase is not null)
        {
            if (!firebase.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                throw new InvalidConfigurationException(
                    $"Invalid configuration: FIREBASE_AUTH_PROJECT_ID='{firebase}' is not allowed; expected a Firebase project id (lower-case letters, digits and '-').");
            }

            if (issuer is not null || audience is not null || signingKey is not null || authority is not null)
            {
                throw new InvalidConfigurationException(
                    "FIREBASE_AUTH_PROJECT_ID is set with JWT_ISSUER, JWT_AUDIENCE, JWT_SIGNING_KEY or JWT_AUTHORITY: the Firebase preset sets the issuer, audience and keys itself; unset those (JWT_JWKS_URL may still move the keys).");
            }

            return new JwtSettings
            {
                Issuer = $"https://securetoken.google.com/{firebase}",
                Audience = firebase,
                JwksUrl = jwks ?? JwtSettings.FirebaseJwksUrl,
                RoleClaim = roleClaim,
                FirebaseProjectId = firebase,
            };
        }

        if (issuer is null && audience is null && signingKey is null && authority is null && jwks is null)
        {
            return null;
        }

        if (issuer is null || audience is null)
        {
            throw new InvalidConfigurationException(
                "JWT_ISSUER and JWT_AUDIENCE are not both set: tokens are accepted only from a named issuer for a named audience; set both (or FIREBASE_AUTH_PROJECT_ID for Firebase ID tokens).");
        }

        if (new object?[] { signingKey, authority, jwks }.Count(k => k is not null) != 1)
        {
            throw new InvalidConfigurationException(
                "JSON Web Tokens need exactly one source of keys: set one of JWT_SIGNING_KEY (HS256), JWT_AUTHORITY (OpenID Connect discovery) and JWT_JWKS_URL.");
        }

        return new JwtSettings { Issuer = issuer, Audience = audience, SigningKey = signingKey, Authority = authority, JwksUrl = jwks, RoleClaim = roleClaim };
    }

    private static OrleansTlsSettings? ReadOrleansTls(Reader reader)
    {
        var certificate = reader.File("ORLEANS_TLS_CERT_FILE");
        var key = reader.File("ORLEANS_TLS_KEY_FILE");
        var authority = reader.File("ORLEANS_TLS_CA_FILE");
        if (certificate is null && key is null && authority is null) return null;
        return certificate is not null && key is not null && authority is not null
            ? new OrleansTlsSettings(certificate, key, authority)
            : throw new InvalidConfigurationException(
                "ORLEANS_TLS_CERT_FILE, ORLEANS_TLS_KEY_FILE and ORLEANS_TLS_CA_FILE are not all set: TLS between silos and clients needs this process's certificate, its key and the CA that signs every peer's; set all three or none.");
    }

    /// <summary>
    /// Whether nothing points the Alpaca feed anywhere: no stream URL, no keys, and the feed is Alpaca's. The embedded
    /// default then runs the Alpaca-protocol simulator on loopback, so the demo takes the production code path.
    /// </summary>
    public static bool AlpacaUnconfigured(IConfiguration configuration)
    {
        var reader = new Reader(configuration);
        var feed = reader.String("MARKET_FEED");
        return (feed is null || string.Equals(feed, MarketFeeds.Alpaca, StringComparison.OrdinalIgnoreCase))
            && reader.String("ALPACA_STREAM_URL") is null
            && reader.String("APCA_API_KEY_ID", "ALPACA_KEY_ID", "ALPACA_API_KEY") is null
            && reader.String("APCA_API_SECRET_KEY", "ALPACA_SECRET_KEY") is null;
    }

    private sealed class Reader(IConfiguration configuration)
    {
        public string? String(params string[] names)
        {
            foreach (var name in names)
            {
                var value = configuration[name] ?? configuration[$"{Section}:{name}"];
                if (!string.IsNullOrWhiteSpace(value)) return value.Trim();
            }

            return null;
        }

        private (string Name, string? Value) Find(params string[] names)
        {
            foreach (var name in names)
            {
                var value = String(name);
                if (value is not null) return (name, value);
            }

            return (names[0], null);
        }

        public bool Flag(string name, bool fallback) => String(name)?.ToLowerInvariant() switch
        {
            null => fallback,
            "1" or "true" or "yes" or "on" => true,
            "0" or "false" or "no" or "off" => false,
            var other => throw Invalid(name, other, "1 or 0 (true/false)"),
        };

        public string OneOf(string name, string fallback, params string[] allowed)
        {
            var value = String(name);
            if (value is null) return fallback;
            var match = allowed.FirstOrDefault(a => string.Equals(a, value, StringComparison.OrdinalIgnoreCase));
            return match ?? throw Invalid(name, value, "one of " + string.Join(", ", allowed));
        }

        public TEnum Enum<TEnum>(string name, TEnum fallback) where TEnum : struct, System.Enum
        {
            var value = String(name);
            if (value is null) return fallback;
            return System.Enum.TryParse<TEnum>(value, ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed)
                ? parsed
                : throw Invalid(name, value, "one of " + string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant())));
        }

        public double Number(string name, double fallback, double min, double max)
        {
            var value = String(name);
            if (value is null) return fallback;
            return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max
                ? parsed
                : throw Invalid(name, value, $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        }

        public int Integer(string name, int fallback, int min, int max)
        {
            var value = String(name);
            if (value is null) return fallback;
            return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max
                ? parsed
                : throw Invalid(name, value, $"a whole number from {min} to {max}");
        }

        public TimeSpan Milliseconds(string name, TimeSpan fallback, int min, int max) =>
            String(name) is null ? fallback : TimeSpan.FromMilliseconds(Integer(name, 0, min, max));

        public TimeSpan Seconds(string name, TimeSpan fallback, double min, double max) =>
            String(name) is null ? fallback : TimeSpan.FromSeconds(Number(name, 0, min, max));

        public TimeSpan? OptionalSeconds(string name, double min, double max) =>
            String(name) is null ? null : TimeSpan.FromSeconds(Number(name, 0, min, max));

        public Uri WebSocketUrl(string name, Uri fallback)
        {
            var value = String(name);
            if (value is null) return fallback;
            return Uri.TryCreate(value.TrimEnd('/'), UriKind.Absolute, out var uri) && uri.Scheme is "ws" or "wss"
                ? uri
                : throw Invalid(name, value, "an absolute ws:// or wss:// URL");
        }

        public Uri HttpUrl(Uri fallback, params string[] names)
        {
            var (name, value) = Find(names);
            if (value is null) return fallback;
            return Uri.TryCreate(value.TrimEnd('/'), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0
                ? uri
                : throw Invalid(name, value, "an absolute http:// or https:// URL without a query");
        }

        public string Identifier(string name, string fallback)
        {
            var value = String(name);
            if (value is null) return fallback;
            return value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
                ? value
                : throw Invalid(name, value, "letters, digits, '-', '_' and '.'");
        }

        public System.Net.IPAddress? IpAddress(string name)
        {
            var value = String(name);
            if (value is null) return null;
            return System.Net.IPAddress.TryParse(value, out var address)
                ? address
                : throw Invalid(name, value, "an IP address (the pod IP from the downward API, status.podIP)");
        }

        public string HostPort(string name, string value)
        {
            var colon = value.LastIndexOf(':');
            return colon > 0 && int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65_536
                ? value
                : throw Invalid(name, value, "host:port, e.g. 127.0.0.1:8766");
        }

        public IReadOnlyList<string> Symbols(IReadOnlyList<string> fallback, params string[] names)
        {
            var (name, value) = Find(names);
            if (value is null) return fallback;
            try
            {
                var symbols = Symbol.ParseList(value);
                return symbols.Count > 0 ? symbols : throw Invalid(name, value, "a comma-separated list of at least one symbol");
            }
            catch (InvalidSymbolException e)
            {
                throw Invalid(name, value, e.Message);
            }
        }

        /// <summary>
        /// Whether the symbol list is exactly `*`, every symbol. A `*` among names is refused rather than guessed at:
        /// either it means the whole market and the names are noise, or the names were meant and `*` is a slip.
        /// </summary>
        public bool Wildcard(params string[] names)
        {
            var (name, value) = Find(names);
            if (value is null) return false;
            var parts = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (!parts.Contains(Symbol.Wildcard)) return false;
            return parts.All(p => p == Symbol.Wildcard)
                ? true
                : throw Invalid(name, value, $"either {Symbol.Wildcard} alone (every symbol) or a comma-separated list of symbols, not both");
        }

        public string DocumentId(string fallback, params string[] names)
        {
            var (name, value) = Find(names);
            if (value is null) return fallback;
            var valid = !value.Contains('/') && value is not "." and not ".." && !(value.StartsWith("__", StringComparison.Ordinal) && value.EndsWith("__", StringComparison.Ordinal));
            return valid ? value : throw Invalid(name, value, "a Firestore collection id (no '/', not '.' or '..', not __name__)");
        }

        /// <summary>
        /// The tenant is a segment of every document path (tenants/{TENANT_ID}/...), so nothing in it may reach
        /// another path: no '/', no '.' or '..', nothing but letters, digits, '-', '_' and '.'.
        /// </summary>
        public string? Tenant(params string[] names)
        {
            var (name, value) = Find(names);
            if (value is null) return null;
            var valid = value.Length <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
                && value is not "." and not ".." && !(value.StartsWith("__", StringComparison.Ordinal) && value.EndsWith("__", StringComparison.Ordinal));
            return valid ? value : throw Invalid(name, value, "a tenant id of at most 128 letters, digits, '-', '_' and '.' (not '.' or '..', not __name__)");
        }

        public IReadOnlyList<string> List(string name) =>
            String(name)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList() ?? [];

        /// <summary>A key for HMAC-SHA256, which needs at least 256 bits. The value is never echoed back.</summary>
        public string? Secret(string name)
        {
            var value = String(name);
            if (value is null || System.Text.Encoding.UTF8.GetByteCount(value) >= 32) return value;
            throw new InvalidConfigurationException(
                $"Invalid configuration: {name} is too short ({value.Length} characters); expected a secret of at least 32 bytes, e.g. openssl rand -base64 48.");
        }

        /// <summary>An https URL, or http on loopback (a local identity provider, tests).</summary>
        public Uri? HttpsUrl(string name)
        {
            var value = String(name);
            if (value is null) return null;
            return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
                ? uri
                : throw Invalid(name, value, "an absolute https:// URL (http:// only on loopback)");
        }

        public string ClaimName(string name, string fallback)
        {
            var value = String(name);
            if (value is null) return fallback;
            return value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/')
                ? value
                : throw Invalid(name, value, "a claim name (letters, digits, '-', '_', '.', ':' and '/')");
        }

        public IReadOnlyList<System.Net.IPNetwork> Networks(string name)
        {
            var value = String(name);
            if (value is null) return [];
            var networks = new List<System.Net.IPNetwork>();
            foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (System.Net.IPNetwork.TryParse(item, out var network))
                {
                    networks.Add(network);
                }
                else if (System.Net.IPAddress.TryParse(item, out var address))
                {
                    networks.Add(new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
                }
                else
                {
                    throw Invalid(name, value, "comma-separated IP addresses or networks (10.0.0.0/8)");
                }
            }

            return networks;
        }

        public string? File(string name)
        {
            var value = String(name);
            if (value is null) return null;
            return System.IO.File.Exists(value) ? value : throw Invalid(name, value, "the path of a readable PEM file");
        }

        private static InvalidConfigurationException Invalid(string name, string value, string allowed) =>
            new($"Invalid configuration: {name}='{value}' is not allowed; expected {allowed}.");
    }
}
