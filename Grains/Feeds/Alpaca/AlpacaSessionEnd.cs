namespace QuoteCluster.Feeds.Alpaca;

public enum AlpacaSessionEndKind
{
    /// <summary>Dropped, timed out, refused, slow, silent: retried on the backoff schedule.</summary>
    Transient,

    /// <summary>406: the server still holds a session for this key; retried only after the reaping window.</summary>
    ConnectionLimit,

    /// <summary>402 / 409 / 410 / 411 or an HTTP 4xx on the upgrade: the settings are wrong; retried at the backoff cap.</summary>
    Configuration,
}

/// <summary>Why a connection ended; every session ends with one, and the reconnect policy reads it.</summary>
public sealed class AlpacaSessionEndedException(AlpacaSessionEndKind kind, string reason, int? code = null, Exception? inner = null)
    : Exception(reason, inner)
{
    public AlpacaSessionEndKind Kind { get; } = kind;

    /// <summary>The stream's error code, when the server gave one.</summary>
    public int? Code { get; } = code;
}

/// <summary>The stream's error codes (docs/alpaca.md) and what each means for the client.</summary>
public static class AlpacaErrorCodes
{
    public const int InvalidSyntax = 400;
    public const int NotAuthenticated = 401;
    public const int AuthFailed = 402;
    public const int AlreadyAuthenticated = 403;
    public const int AuthTimeout = 404;
    public const int SymbolLimitExceeded = 405;
    public const int ConnectionLimitExceeded = 406;
    public const int SlowClient = 407;
    public const int InsufficientSubscription = 409;
    public const int InvalidSubscribeAction = 410;
    public const int InsufficientScope = 411;

    public static bool IsConfigurationError(int code) =>
        code is AuthFailed or InsufficientSubscription or InvalidSubscribeAction or InsufficientScope;

    /// <summary>Errors that answer one request and leave the session usable.</summary>
    public static bool KeepsSession(int code) => code is InvalidSyntax or AlreadyAuthenticated or SymbolLimitExceeded;

    /// <summary>What the user should check, for the configuration errors.</summary>
    public static string Advice(int code) => code switch
    {
        AuthFailed => "check APCA_API_KEY_ID and APCA_API_SECRET_KEY",
        InsufficientSubscription => "the account's plan does not include this feed; check ALPACA_DATA_FEED",
        InvalidSubscribeAction => "this feed does not offer quotes and trades; check ALPACA_DATA_FEED",
        InsufficientScope => "the token's scope does not include market data",
        _ => "",
    };
}
