namespace QuoteCluster.Feeds.Alpaca;

/// <summary>How the stream encodes its messages, chosen by the upgrade request's Content-Type.</summary>
public enum AlpacaCodec
{
    Json,
    MessagePack,
}

public enum AlpacaEventKind : byte
{
    Quote,
    Trade,
}

/// <summary>One market-data item of a frame: a quote (`T:"q"`) or a trade (`T:"t"`), with only the fields we use.</summary>
/// <remarks>A struct in a reused buffer: decoding a frame of a hundred quotes allocates nothing but cached symbols.</remarks>
public struct AlpacaMarketEvent
{
    public AlpacaEventKind Kind;
    public string Symbol;

    /// <summary>The symbol's <see cref="SymbolCache"/> id, or <see cref="SymbolCache.NoId"/>.</summary>
    public int SymbolId;
    public double BidPrice;
    public double AskPrice;
    public long BidSize;
    public long AskSize;

    /// <summary>The trade price (trades only).</summary>
    public double Price;
    public long Size;
    public DateTimeOffset Timestamp;
}

public enum AlpacaControlKind
{
    Success,
    Error,
    Subscription,
}

/// <summary>A control message: `success` (connected / authenticated), `error` (code and msg), or `subscription`.</summary>
public sealed record AlpacaControlMessage(
    AlpacaControlKind Kind,
    string? Message,
    int Code,
    IReadOnlyList<string> Quotes,
    IReadOnlyList<string> Trades)
{
    public static AlpacaControlMessage Success(string message) => new(AlpacaControlKind.Success, message, 0, [], []);

    public static AlpacaControlMessage Error(int code, string message) => new(AlpacaControlKind.Error, message, code, [], []);

    public static AlpacaControlMessage Subscription(IReadOnlyList<string> quotes, IReadOnlyList<string> trades) =>
        new(AlpacaControlKind.Subscription, null, 0, quotes, trades);
}

/// <summary>What one WebSocket message decoded to; reused from frame to frame.</summary>
public sealed class AlpacaFrame
{
    private AlpacaMarketEvent[] _events = new AlpacaMarketEvent[128];

    public int EventCount { get; private set; }

    public ReadOnlySpan<AlpacaMarketEvent> Events => _events.AsSpan(0, EventCount);

    public List<AlpacaControlMessage> Controls { get; } = [];

    /// <summary>Items of types we do not use (bars, statuses, corrections, ...): ignored, as clients must.</summary>
    public int Ignored { get; internal set; }

    /// <summary>Items or whole frames that could not be read; null when everything was understood.</summary>
    public string? Malformed { get; private set; }

    public int MalformedCount { get; private set; }

    public void Clear()
    {
        EventCount = 0;
        Controls.Clear();
        Ignored = 0;
        Malformed = null;
        MalformedCount = 0;
    }

    internal ref AlpacaMarketEvent Add()
    {
        if (EventCount == _events.Length)
        {
            Array.Resize(ref _events, _events.Length * 2);
        }

        return ref _events[EventCount++];
    }

    internal void MarkMalformed(string reason)
    {
        Malformed ??= reason;
        MalformedCount++;
    }
}
