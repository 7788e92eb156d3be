using System.Buffers;
using System.Buffers.Binary;
using MessagePack;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>Reads the stream's msgpack messages with <see cref="MessagePackReader"/>; `t` is the timestamp extension (-1).</summary>
/// <remarks>
/// One decoder per connection. A value no field of ours can hold (an integer past Int64, a timestamp outside years
/// 1–9999) marks its item malformed: the reader's own methods would throw for it, and a malformed message must never
/// end the session (docs/alpaca.md).
/// </remarks>
public sealed class AlpacaMessagePackDecoder(SymbolCache symbols)
{
    // DateTimeOffset's range in seconds from 1970: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    private const long MinUnixSeconds = -62_135_596_800;
    private const long MaxUnixSeconds = 253_402_300_799;

    // One item's fields, filled in place: the struct is large enough that copying it per quote shows in the benchmark.
    private AlpacaItem _item;

    /// <summary>Decodes one WebSocket message; what cannot be read is counted in the frame, never thrown.</summary>
    public void Decode(ReadOnlyMemory<byte> message, AlpacaFrame frame)
    {
        var reader = new MessagePackReader(message);
        try
        {
            if (reader.End || reader.NextMessagePackType != MessagePackType.Array)
            {
                frame.MarkMalformed("message is not a msgpack array");
                return;
            }

            var count = reader.ReadArrayHeader();
            for (var i = 0; i < count; i++)
            {
                if (reader.NextMessagePackType != MessagePackType.Map)
                {
                    frame.MarkMalformed("array item is not a map");
                    reader.Skip();
                    continue;
                }

                _item = new AlpacaItem { SymbolId = SymbolCache.NoId };
                ReadItem(ref reader, ref _item);
                _item.CompleteInto(frame);
            }
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or InvalidOperationException
            or OverflowException or ArgumentException)
        {
            // Truncated or invalid msgpack. Values the reader cannot represent are caught per item, above; the last two
            // types are what its methods throw for such values, should one reach a read this decoder did not guard.
            frame.MarkMalformed($"invalid msgpack: {e.Message}");
        }
    }

    private void ReadItem(ref MessagePackReader reader, ref AlpacaItem item)
    {
        var fields = reader.ReadMapHeader();
        for (var f = 0; f < fields; f++)
        {
            if (reader.NextMessagePackType != MessagePackType.String || !reader.TryReadStringSpan(out var name))
            {
                // Keys are short strings in one buffer; anything else is skipped with its value.
                reader.Skip();
                reader.Skip();
                continue;
            }

            switch (name)
            {
                case [(byte)'T']:
                    item.Type = reader.NextMessagePackType == MessagePackType.String && reader.TryReadStringSpan(out var type)
                        ? AlpacaItem.ClassifyType(type)
                        : SkipAs(ref reader, AlpacaItem.OtherType);
                    break;
                case [(byte)'S']:
                    if (reader.NextMessagePackType == MessagePackType.String && reader.TryReadStringSpan(out var symbol))
                    {
                        item.Symbol = symbols.Get(symbol, out item.SymbolId);
                    }
                    else
                    {
                        reader.Skip();
                    }

                    break;
                case [(byte)'b', (byte)'p']:
                    item.BidPrice = Number(ref reader, ref item, "bp", AlpacaItem.HasBid);
                    break;
                case [(byte)'a', (byte)'p']:
                    item.AskPrice = Number(ref reader, ref item, "ap", AlpacaItem.HasAsk);
                    break;
                case [(byte)'p']:
                    item.Price = Number(ref reader, ref item, "p", AlpacaItem.HasPrice);
                    break;
                case [(byte)'b', (byte)'s']:
                    item.BidSize = (long)Number(ref reader, ref item, "bs", 0);
                    break;
                case [(byte)'a', (byte)'s']:
                    item.AskSize = (long)Number(ref reader, ref item, "as", 0);
                    break;
                case [(byte)'s']:
                    item.Size = (long)Number(ref reader, ref item, "s", 0);
                    break;
                case [(byte)'t']:
                    if (TryReadTimestamp(ref reader, out var timestamp)) item.Timestamp = timestamp;
                    else item.BadField ??= "t";
                    break;
                case [(byte)'c', (byte)'o', (byte)'d', (byte)'e']:
                    if (TryReadInteger(ref reader, out var code) && code is >= int.MinValue and <= int.MaxValue) item.Code = (int)code;
                    else item.BadField ??= "code";
                    break;
                case [(byte)'m', (byte)'s', (byte)'g']:
                    item.Message = reader.NextMessagePackType == MessagePackType.String ? reader.ReadString() : SkipAs<string?>(ref reader, null);
                    break;
                case [(byte)'q', (byte)'u', (byte)'o', (byte)'t', (byte)'e', (byte)'s']:
                    item.Quotes = StringList(ref reader);
                    break;
                case [(byte)'t', (byte)'r', (byte)'a', (byte)'d', (byte)'e', (byte)'s']:
                    item.Trades = StringList(ref reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
    }

    private static T SkipAs<T>(ref MessagePackReader reader, T value)
    {
        reader.Skip();
        return value;
    }

    private static double Number(ref MessagePackReader reader, ref AlpacaItem item, string field, byte presence)
    {
        if (reader.NextMessagePackType == MessagePackType.Float)
        {
            item.Prices |= presence;
            return reader.ReadDouble();
        }

        if (TryReadInteger(ref reader, out var integer))
        {
            item.Prices |= presence;
            return integer;
        }

        item.BadField ??= field;
        return 0;
    }

    /// <summary>An integer in any of msgpack's encodings that fits an Int64; anything else is read past.</summary>
    private static bool TryReadInteger(ref MessagePackReader reader, out long value)
    {
        value = 0;
        if (reader.NextMessagePackType != MessagePackType.Integer)
        {
            reader.Skip();
            return false;
        }

        // ReadInt64 throws on a uint64 past Int64.MaxValue; no field of ours holds such a number.
        if (reader.NextCode == MessagePackCode.UInt64)
        {
            var unsigned = reader.ReadUInt64();
            value = (long)unsigned;
            return unsigned <= long.MaxValue;
        }

        value = reader.ReadInt64();
        return true;
    }

    /// <summary>
    /// The timestamp extension (-1) in its three forms: 32-bit seconds; 30-bit nanoseconds and 34-bit seconds; 32-bit
    /// nanoseconds and 64-bit signed seconds, all big-endian from 1970. Read here because ReadDateTime throws for seconds
    /// outside DateTime's range and accepts nanoseconds of a second or more, which the extension forbids.
    /// </summary>
    private static bool TryReadTimestamp(ref MessagePackReader reader, out DateTimeOffset timestamp)
    {
        timestamp = default;
        if (reader.NextMessagePackType != MessagePackType.Extension)
        {
            reader.Skip();
            return false;
        }

        var header = reader.ReadExtensionFormatHeader();
        var body = reader.ReadRaw(header.Length);
        if (header.TypeCode != ReservedMessagePackExtensionTypeCode.DateTime || header.Length is not (4 or 8 or 12)) return false;

        Span<byte> bytes = stackalloc byte[12];
        body.CopyTo(bytes);
        long seconds;
        uint nanoseconds;
        switch (header.Length)
        {
            case 4:
                seconds = BinaryPrimitives.ReadUInt32BigEndian(bytes);
                nanoseconds = 0;
                break;
            case 8:
                var packed = BinaryPrimitives.ReadUInt64BigEndian(bytes);
                nanoseconds = (uint)(packed >> 34);
                seconds = (long)(packed & 0x3_FFFF_FFFF);
                break;
            default:
                nanoseconds = BinaryPrimitives.ReadUInt32BigEndian(bytes);
                seconds = BinaryPrimitives.ReadInt64BigEndian(bytes[4..]);
                break;
        }

        if (nanoseconds >= 1_000_000_000 || seconds is < MinUnixSeconds or > MaxUnixSeconds) return false;

        // Kept to DateTimeOffset's 100 ns, as the JSON decoder keeps its nine fraction digits.
        timestamp = new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + seconds * TimeSpan.TicksPerSecond + nanoseconds / 100, TimeSpan.Zero);
        return true;
    }

    private List<string>? StringList(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.Array)
        {
            reader.Skip();
            return null;
        }

        var count = reader.ReadArrayHeader();
        var list = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            if (reader.NextMessagePackType == MessagePackType.String && reader.TryReadStringSpan(out var symbol))
            {
                list.Add(symbols.Get(symbol));
            }
            else
            {
                reader.Skip();
            }
        }

        return list;
    }
}
