using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace QuoteCluster.AlpacaSimulator;

public enum DropMode
{
    /// <summary>The TCP connection just ends, as a network failure looks; the server keeps a ghost session.</summary>
    Abrupt,

    /// <summary>A WebSocket close frame (1001 going away); the session is freed at once.</summary>
    CloseFrame,
}

/// <summary>How the simulator serves and which faults it acts out; every knob is a command-line flag of the same name.</summary>
/// <remarks>Faults can also be changed while it runs (<see cref="AlpacaSimulatorServer.Faults"/>), which the tests do.</remarks>
public sealed record SimulatorOptions
{
    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Items per second per session; 0 sends pre-encoded frames as fast as the client reads (benchmarks).</summary>
    public double Rate { get; init; } = 50;

    /// <summary>Most items in one data message.</summary>
    public int FrameSize { get; init; } = 100;

    /// <summary>Share of items that are trades (`T:"t"`) rather than quotes, for symbols subscribed to trades.</summary>
    public double TradeRatio { get; init; } = 0.2;

    public int Seed { get; init; } = 42;

    /// <summary>How many symbols a `*` subscription gets (<c>QuoteGenerator.Universe</c>); 0: the twenty or so well-known tickers.</summary>
    public int Universe { get; init; }

    /// <summary>Accepted credentials; when unset any non-empty key and secret authenticate.</summary>
    public string? Key { get; init; }
    public string? Secret { get; init; }

    /// <summary>Feeds served under /v2/{feed}; asking for one in <see cref="DenyFeeds"/> is refused with 409 at auth.</summary>
    public IReadOnlyList<string> Feeds { get; init; } = ["iex", "sip", "delayed_sip", "test"];
    public IReadOnlyList<string> DenyFeeds { get; init; } = [];

    /// <summary>Symbols the market does not know: accepted in subscriptions but never sent, and absent from the REST API.</summary>
    public IReadOnlyList<string> Unlisted { get; init; } = [];

    public TimeSpan AuthTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A data send that takes longer than this marks the client slow: 407, then the connection is dropped.</summary>
    public TimeSpan SlowClientTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public SimulatorFaults Faults { get; init; } = new();

    public static SimulatorOptions FromArgs(string[] args)
    {
        var flags = new ConfigurationBuilder().AddCommandLine(args).Build();
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "port", "rate", "frame-size", "universe", "trade-ratio", "seed", "key", "secret", "deny-feed", "auth-timeout", "slow-client-timeout",
            "drop-every", "drop-mode", "reject-auth", "keep-socket-on-error", "connection-limit", "ghost-session", "symbol-limit",
            "malformed-every", "silent", "silent-after", "declare-slow-after", "unlisted",
            "rest-fail", "rest-fail-status", "rest-retry-after", "rest-stall",
        };
        var unknown = flags.AsEnumerable().Select(f => f.Key).FirstOrDefault(k => !known.Contains(k));
        if (unknown is not null) throw new ArgumentException($"unknown flag --{unknown}; see docs/alpaca.md (The simulator) for the flags");

        var faults = new SimulatorFaults
        {
            DropEvery = Seconds(flags, "drop-every"),
            DropMode = Enum.Parse<DropMode>((flags["drop-mode"] ?? "abrupt").Replace("-", "", StringComparison.Ordinal), ignoreCase: true),
            RejectAuth = Flag(flags, "reject-auth"),
            KeepSocketOnError = Flag(flags, "keep-socket-on-error"),
            ConnectionLimit = Integer(flags, "connection-limit", 1, 1),
            GhostSession = Seconds(flags, "ghost-session") ?? TimeSpan.Zero,
            SymbolLimit = Integer(flags, "symbol-limit", 0, 0),
            MalformedEvery = Integer(flags, "malformed-every", 0, 0),
            Silent = Flag(flags, "silent"),
            SilentAfter = Seconds(flags, "silent-after"),
            DeclareSlowAfter = Seconds(flags, "declare-slow-after"),
            RestFailures = Integer(flags, "rest-fail", 0, 0),
            RestFailureStatus = Integer(flags, "rest-fail-status", 503, 400),
            RestRetryAfter = Seconds(flags, "rest-retry-after"),
            RestStall = Flag(flags, "rest-stall"),
        };
        return new SimulatorOptions
        {
            Port = Integer(flags, "port", 0, 0),
            Rate = Number(flags, "rate", 50),
            FrameSize = Integer(flags, "frame-size", 100, 1),
            TradeRatio = Number(flags, "trade-ratio", 0.2),
            Seed = Integer(flags, "seed", 42, int.MinValue),
            Universe = Integer(flags, "universe", 0, 0),
            Key = flags["key"],
            Secret = flags["secret"],
            DenyFeeds = flags["deny-feed"]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            Unlisted = flags["unlisted"]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            AuthTimeout = Seconds(flags, "auth-timeout") ?? TimeSpan.FromSeconds(10),
            SlowClientTimeout = Seconds(flags, "slow-client-timeout") ?? TimeSpan.FromSeconds(5),
            Faults = faults,
        };
    }

    private static bool Flag(IConfiguration flags, string name) => flags[name] switch
    {
        null => false,
        "" or "1" or "true" => true,
        "0" or "false" => false,
        var other => throw Invalid(name, other, "true or false"),
    };

    private static int Integer(IConfiguration flags, string name, int fallback, int min) =>
        flags[name] is not { } value ? fallback
        : int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= min ? parsed
        : throw Invalid(name, value, $"a whole number of at least {min}");

    private static double Number(IConfiguration flags, string name, double fallback) =>
        flags[name] is not { } value ? fallback
        : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0 ? parsed
        : throw Invalid(name, value, "a number of at least 0");

    private static TimeSpan? Seconds(IConfiguration flags, string name) =>
        flags[name] is null ? null : TimeSpan.FromSeconds(Number(flags, name, 0));

    private static ArgumentException Invalid(string name, string value, string expected) =>
        new($"--{name} {value} is not allowed; expected {expected}");
}

/// <summary>The faults the simulator acts out; read on every use, so a test can change them while clients are connected.</summary>
public sealed class SimulatorFaults
{
    /// <summary>Each session is dropped this long after it opened; zero drops every connection at once.</summary>
    public TimeSpan? DropEvery { get; set; }
    public DropMode DropMode { get; set; } = DropMode.Abrupt;

    /// <summary>Every auth fails with 402.</summary>
    public bool RejectAuth { get; set; }

    /// <summary>After a 402 or 406 the socket stays open (the Go SDK's assumption) instead of being closed.</summary>
    public bool KeepSocketOnError { get; set; }

    /// <summary>Authenticated sessions allowed per key (1 on most Alpaca plans); the next gets 406.</summary>
    public int ConnectionLimit { get; set; } = 1;

    /// <summary>How long a session that ended without a close frame keeps its slot (Alpaca reaps after about 90 s).</summary>
    public TimeSpan GhostSession { get; set; }

    /// <summary>Most distinct symbols a session may subscribe; 0 for no limit. Beyond it: 405, subscription unchanged.</summary>
    public int SymbolLimit { get; set; }

    /// <summary>Every Nth data message is replaced by a malformed one; 0 for never.</summary>
    public int MalformedEvery { get; set; }

    /// <summary>No data is sent, though the socket stays open and answers pings.</summary>
    public bool Silent { get; set; }
    public TimeSpan? SilentAfter { get; set; }

    /// <summary>Each session is told 407 (slow client) and dropped this long after it authenticated.</summary>
    public TimeSpan? DeclareSlowAfter { get; set; }

    /// <summary>The next this many REST requests (after their auth check) fail with <see cref="RestFailureStatus"/>.</summary>
    public int RestFailures { get; set; }

    /// <summary>503 unless set; 429 is the rate limit (about 200 requests a minute on the free plan).</summary>
    public int RestFailureStatus { get; set; } = 503;

    /// <summary>Sent as `Retry-After` (in whole seconds) with each REST failure.</summary>
    public TimeSpan? RestRetryAfter { get; set; }

    /// <summary>REST requests get no answer while this is set.</summary>
    public bool RestStall { get; set; }
}
