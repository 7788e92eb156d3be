using MessagePack;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>Reads the stream's msgpack messages with <see cref="MessagePackReader"/>; `t` is the timestamp extension (-1).</summary>
/// <remarks>One decoder per connection.</remarks>
public sealed class AlpacaMessagePackDecoder(SymbolCache symbols)
{
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
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or InvalidOperationException)
        {
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
                    if (reader.NextMessagePackType == MessagePackType.Extension)
                    {
                        // ReadDateTime accepts only extension -1 and throws for others, which marks the frame malformed.
                        item.Timestamp = new DateTimeOffset(reader.ReadDateTime());
                    }
                    else
                    {
                        reader.Skip();
                        item.BadField ??= "t";
                    }

                    break;
                case [(byte)'c', (byte)'o', (byte)'d', (byte)'e']:
                    item.Code = reader.NextMessagePackType == MessagePackType.Integer ? reader.ReadInt32() : SkipAs(ref reader, 0);
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
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Float:
                item.Prices |= presence;
                return reader.ReadDouble();
            case MessagePackType.Integer:
                item.Prices |= presence;
                return reader.ReadInt64();
            default:
                reader.Skip();
                item.BadField ??= field;
                return 0;
        }
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
