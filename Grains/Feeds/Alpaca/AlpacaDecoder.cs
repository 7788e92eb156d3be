using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using QuoteCluster.Logging;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>
/// Reads one WebSocket message into a frame with the decoder its bytes call for, and counts what it read and what it
/// could not.
/// </summary>
/// <remarks>
/// Lives as long as the client, across reconnects: its <see cref="SymbolCache"/> ids key the client's book, and its
/// frame is reused message after message. Used by one receive loop at a time.
/// </remarks>
internal sealed class AlpacaDecoder
{
    private static readonly TimeSpan MalformedLogInterval = TimeSpan.FromSeconds(5);

    private readonly AlpacaCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AlpacaFrame _frame = new();
    private readonly AlpacaJsonDecoder _json;
    private readonly AlpacaMessagePackDecoder _messagePack;
    private long _lastMalformedLog;
    private long _malformedSinceLog;

    public AlpacaDecoder(AlpacaCounters counters, TimeProvider time, ILogger logger)
    {
        _counters = counters;
        _time = time;
        _logger = logger;
        var symbols = new SymbolCache();
        _json = new AlpacaJsonDecoder(symbols);
        _messagePack = new AlpacaMessagePackDecoder(symbols);
    }

    /// <summary>The frame is the decoder's own, overwritten by the next call.</summary>
    public AlpacaFrame Decode(WebSocketMessageType type, ReadOnlyMemory<byte> message)
    {
        var frame = _frame;
        frame.Clear();
        if (type == WebSocketMessageType.Text)
        {
            _counters.CountTextMessage();
            _json.Decode(message.Span, frame);
        }
        else
        {
            _counters.CountBinaryMessage();

            // JSON may come in binary frames too; a msgpack message is an array, whose first byte is 0x90–0x9f or
            // 0xdc–0xdd, never '['.
            if (!message.IsEmpty && message.Span[0] == (byte)'[') _json.Decode(message.Span, frame);
            else _messagePack.Decode(message, frame);
        }

        if (frame.MalformedCount > 0) CountMalformed(frame);
        if (frame.Ignored > 0) _counters.AddIgnored(frame.Ignored);
        return frame;
    }

    private void CountMalformed(AlpacaFrame frame)
    {
        _counters.AddMalformed(frame.MalformedCount);
        _malformedSinceLog += frame.MalformedCount;

        // A feed sending garbage at thousands of frames a second must not flood the log: one line per interval.
        if (_lastMalformedLog != 0 && _time.GetElapsedTime(_lastMalformedLog) < MalformedLogInterval) return;
        Log.AlpacaMalformed(_logger, _malformedSinceLog, frame.Malformed ?? "unknown", _counters.MalformedMessages);
        _lastMalformedLog = _time.GetTimestamp();
        _malformedSinceLog = 0;
    }
}
