namespace QuoteCluster.Feeds.Alpaca;

/// <summary>Where and how the client connects; the host builds it from the ALPACA_* and APCA_* environment variables.</summary>
public sealed record AlpacaStreamSettings(Uri StreamUrl, string Feed, string KeyId, string SecretKey)
{
    /// <summary>The market-data REST API's base URL, for snapshots (APCA_API_DATA_URL, the name the official SDKs read).</summary>
    public Uri DataUrl { get; init; } = new("https://data.alpaca.markets");

    /// <summary>
    /// Symbols per snapshot request: a URL of about 1.5 KB, and 10,000 symbols in 50 requests, a quarter of the free
    /// plan's 200 requests a minute.
    /// </summary>
    public int SnapshotChunkSize { get; init; } = 200;

    /// <summary>The most one snapshot request may take, retries and their waits included.</summary>
    public TimeSpan SnapshotTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public AlpacaCodec Codec { get; init; } = AlpacaCodec.MessagePack;
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Alpaca reaps a dead session after about 90 s; reconnecting sooner after a 406 only earns another 406.</summary>
    public TimeSpan ConnectionLimitBackoff { get; init; } = TimeSpan.FromSeconds(95);

    /// <summary>As the official SDKs: a ping every 10 s, and the link is dropped if no pong comes within 5 s.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>From opening the socket to `authenticated`; the server itself gives up on auth after about 10 s (404).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>An authenticated socket with no data for this long while data is expected is rebuilt; zero turns it off.</summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Symbols per subscribe request (the C# SDK sends 100 streams a request).</summary>
    public int SubscribeChunkSize { get; init; } = 100;

    /// <summary>The full stream address: `/v2/{feed}` under the base URL.</summary>
    public Uri Endpoint => new($"{StreamUrl.AbsoluteUri.TrimEnd('/')}/v2/{Feed}");

    /// <summary>Whether the market sends data now, so that silence means a stall rather than a closed market.</summary>
    public bool DataExpected(DateTimeOffset now) => Feed == "test" || UsRegularSession.Contains(now);
}

/// <summary>US equities' regular session, 09:30–16:00 New York time on weekdays (holidays are not known here).</summary>
internal static class UsRegularSession
{
    private static readonly TimeZoneInfo? NewYork = FindNewYork();

    public static bool Contains(DateTimeOffset now)
    {
        // Without time-zone data the watchdog stays armed: a needless reconnect is cheaper than a missed stall.
        if (NewYork is null) return true;
        var local = TimeZoneInfo.ConvertTime(now, NewYork);
        if (local.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) return false;
        var time = local.TimeOfDay;
        return time >= new TimeSpan(9, 30, 0) && time < new TimeSpan(16, 0, 0);
    }

    private static TimeZoneInfo? FindNewYork()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }
}
