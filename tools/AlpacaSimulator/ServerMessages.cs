using System.Buffers;
using System.Globalization;
using System.Text.Json;
using MessagePack;
using QuoteCluster.Feeds.Alpaca;

namespace QuoteCluster.AlpacaSimulator;

/// <summary>One item of a data message, as the simulator's market produced it.</summary>
public readonly record struct MarketItem(
    bool IsTrade, string Symbol, double BidPrice, long BidSize, double AskPrice, long AskSize, double Price, long Size, long TradeId, DateTime Timestamp);

/// <summary>Writes the server's messages in the session's codec: always an array of objects with a `T` type.</summary>
public sealed class ServerMessages(AlpacaCodec codec)
{
    private static readonly string[] NoConditions = ["R"];

    public AlpacaCodec Codec => codec;

    public byte[] Success(string message)
    {
        var w = new Writer(codec, items: 1);
        w.Object(2);
        w.String("T", "success");
        w.String("msg", message);
        return w.ToArray();
    }

    public byte[] Error(int code, string message)
    {
        var w = new Writer(codec, items: 1);
        w.Object(3);
        w.String("T", "error");
        w.Integer("code", code);
        w.String("msg", message);
        return w.ToArray();
    }

    /// <summary>The full current lists, as Alpaca answers every subscribe and unsubscribe.</summary>
    public byte[] Subscription(IReadOnlyDictionary<string, IReadOnlyCollection<string>> channels)
    {
        var w = new Writer(codec, items: 1);
        w.Object(1 + channels.Count);
        w.String("T", "subscription");
        foreach (var (channel, symbols) in channels) w.Strings(channel, symbols);
        return w.ToArray();
    }

    public byte[] Data(ReadOnlySpan<MarketItem> items)
    {
        var w = new Writer(codec, items.Length);
        foreach (ref readonly var item in items)
        {
            if (item.IsTrade)
            {
                w.Object(9);
                w.String("T", "t");
                w.String("S", item.Symbol);
                w.Integer("i", item.TradeId);
                w.String("x", "V");
                w.Number("p", item.Price);
                w.Integer("s", item.Size);
            }
            else
            {
                w.Object(11);
                w.String("T", "q");
                w.String("S", item.Symbol);
                w.String("bx", "V");
                w.Number("bp", item.BidPrice);
                w.Integer("bs", item.BidSize);
                w.String("ax", "V");
                w.Number("ap", item.AskPrice);
                w.Integer("as", item.AskSize);
            }

            w.Strings("c", NoConditions);
            w.String("z", "C");
            w.Time("t", item.Timestamp);
        }

        return w.ToArray();
    }

    /// <summary>Formats like Go's RFC3339Nano, as Alpaca does: UTC, `Z`, trailing zeros of the fraction trimmed.</summary>
    public static string Rfc3339Nano(DateTime utc)
    {
        var seconds = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var nanoseconds = utc.Ticks % TimeSpan.TicksPerSecond * 100;
        return nanoseconds == 0 ? seconds + "Z" : $"{seconds}.{nanoseconds.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0')}Z";
    }

    /// <summary>JSON objects and msgpack maps behind one small interface, so each message is written once.</summary>
    /// <remarks>A ref struct because <see cref="MessagePackWriter"/> is one; the message is an array of <c>items</c> objects.</remarks>
    private ref struct Writer
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(4096);
        private readonly Utf8JsonWriter? _json;
        private MessagePackWriter _pack;
        private bool _open;

        public Writer(AlpacaCodec codec, int items)
        {
            if (codec == AlpacaCodec.Json)
            {
                _json = new Utf8JsonWriter(_buffer);
                _json.WriteStartArray();
            }
            else
            {
                _pack = new MessagePackWriter(_buffer);
                _pack.WriteArrayHeader(items);
            }
        }

        public void Object(int fields)
        {
            if (_json is not null)
            {
                if (_open) _json.WriteEndObject();
                _json.WriteStartObject();
                _open = true;
            }
            else
            {
                _pack.WriteMapHeader(fields);
            }
        }

        public void String(string name, string value)
        {
            if (_json is not null)
            {
                _json.WriteString(name, value);
                return;
            }

            _pack.Write(name);
            _pack.Write(value);
        }

        public void Integer(string name, long value)
        {
            if (_json is not null)
            {
                _json.WriteNumber(name, value);
                return;
            }

            _pack.Write(name);
            _pack.Write(value);
        }

        public void Number(string name, double value)
        {
            if (_json is not null)
            {
                _json.WriteNumber(name, value);
                return;
            }

            _pack.Write(name);
            _pack.Write(value);
        }

        public void Strings(string name, IReadOnlyCollection<string> values)
        {
            if (_json is not null)
            {
                _json.WriteStartArray(name);
                foreach (var value in values) _json.WriteStringValue(value);
                _json.WriteEndArray();
                return;
            }

            _pack.Write(name);
            _pack.WriteArrayHeader(values.Count);
            foreach (var value in values) _pack.Write(value);
        }

        /// <summary>JSON: an RFC 3339 string with nanoseconds; msgpack: the timestamp extension (-1).</summary>
        public void Time(string name, DateTime utc)
        {
            if (_json is not null)
            {
                _json.WriteString(name, Rfc3339Nano(utc));
                return;
            }

            _pack.Write(name);
            _pack.Write(utc);
        }

        public byte[] ToArray()
        {
            if (_json is not null)
            {
                if (_open) _json.WriteEndObject();
                _json.WriteEndArray();
                _json.Flush();
                _json.Dispose();
            }
            else
            {
                _pack.Flush();
            }

            return _buffer.WrittenSpan.ToArray();
        }
    }
}
