using System.Text.Json;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>Reads the stream's JSON messages with <see cref="Utf8JsonReader"/>, straight from the received bytes.</summary>
/// <remarks>One decoder per connection: it reuses a scratch buffer for the rare escaped key.</remarks>
public sealed class AlpacaJsonDecoder(SymbolCache symbols)
{
    private readonly byte[] _scratch = new byte[32];

    // One item's fields, filled in place: the struct is large enough that copying it per quote shows in the benchmark.
    private AlpacaItem _item;

    /// <summary>Decodes one WebSocket message; what cannot be read is counted in the frame, never thrown.</summary>
    public void Decode(ReadOnlySpan<byte> message, AlpacaFrame frame)
    {
        var reader = new Utf8JsonReader(message);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                frame.MarkMalformed("message is not a JSON array");
                return;
            }

            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.EndArray:
                        return;
                    case JsonTokenType.StartObject:
                        _item = new AlpacaItem { SymbolId = SymbolCache.NoId };
                        ReadItem(ref reader, ref _item);
                        _item.CompleteInto(frame);
                        break;
                    default:
                        frame.MarkMalformed("array item is not an object");
                        reader.Skip();
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            frame.MarkMalformed($"invalid JSON: {e.Message}");
        }
    }

    private void ReadItem(ref Utf8JsonReader reader, ref AlpacaItem item)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Unescaped(ref reader, _scratch);

            reader.Read();
            switch (name)
            {
                case [(byte)'T']:
                    item.Type = reader.TokenType == JsonTokenType.String ? AlpacaItem.ClassifyType(Unescaped(ref reader, _scratch)) : AlpacaItem.OtherType;
                    break;
                case [(byte)'S']:
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        item.Symbol = reader.ValueIsEscaped ? reader.GetString() : symbols.Get(reader.ValueSpan, out item.SymbolId);
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
                    // RFC 3339 with 0 to 9 fraction digits; kept to DateTimeOffset's 100 ns.
                    if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var timestamp))
                    {
                        item.Timestamp = timestamp;
                    }
                    else
                    {
                        item.BadField ??= "t";
                    }

                    break;
                case [(byte)'c', (byte)'o', (byte)'d', (byte)'e']:
                    item.Code = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var code) ? code : 0;
                    break;
                case [(byte)'m', (byte)'s', (byte)'g']:
                    item.Message = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
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

    /// <summary>The current token's bytes without JSON escapes; empty when an escaped token does not fit the scratch.</summary>
    private static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader, byte[] scratch) =>
        !reader.ValueIsEscaped ? reader.ValueSpan
        : reader.ValueSpan.Length <= scratch.Length ? scratch.AsSpan(0, reader.CopyString(scratch))
        : [];

    private static double Number(ref Utf8JsonReader reader, ref AlpacaItem item, string field, byte presence)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value))
        {
            item.Prices |= presence;
            return value;
        }

        reader.Skip();
        item.BadField ??= field;
        return 0;
    }

    private List<string>? StringList(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                list.Add(reader.ValueIsEscaped ? reader.GetString()! : symbols.Get(reader.ValueSpan));
            }
            else
            {
                reader.Skip();
            }
        }

        return list;
    }
}
