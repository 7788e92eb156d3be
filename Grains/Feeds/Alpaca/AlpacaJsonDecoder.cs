using System.Text.Json;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>Reads the stream's JSON messages with <see cref="Utf8JsonReader"/>, straight from the received bytes.</summary>
/// <remarks>
/// One decoder per connection: it reuses a scratch buffer for the rare escaped key. A string that is valid JSON but no
/// valid text (invalid UTF-8, a lone surrogate escape) marks its item malformed: the reader throws when asked for it,
/// and a malformed message must never end the session (docs/alpaca.md).
/// </remarks>
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
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Invalid JSON. Strings that cannot be read are caught per item, below; InvalidOperationException is what the
            // reader throws for them, should one reach a read this decoder did not guard.
            frame.MarkMalformed($"invalid JSON: {e.Message}");
        }
    }

    private void ReadItem(ref Utf8JsonReader reader, ref AlpacaItem item)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // A key that cannot be unescaped is no key of ours: its value is skipped below.
            TryUnescape(ref reader, _scratch, out var name);

            reader.Read();
            switch (name)
            {
                case [(byte)'T']:
                    if (reader.TokenType != JsonTokenType.String) item.Type = AlpacaItem.OtherType;
                    else if (TryUnescape(ref reader, _scratch, out var type)) item.Type = AlpacaItem.ClassifyType(type);

                    // Else the type stays missing: an item whose type cannot be read is malformed.
                    break;
                case [(byte)'S']:
                    if (reader.TokenType != JsonTokenType.String) break;
                    if (!reader.ValueIsEscaped) item.Symbol = symbols.Get(reader.ValueSpan, out item.SymbolId);
                    else if (TryGetString(ref reader, out var symbol)) item.Symbol = symbol;
                    else item.BadField ??= "S";
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
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var code)) item.Code = code;
                    else item.BadField ??= "code";
                    break;
                case [(byte)'m', (byte)'s', (byte)'g']:
                    if (reader.TokenType != JsonTokenType.String) break;
                    if (TryGetString(ref reader, out var message)) item.Message = message;
                    else item.BadField ??= "msg";
                    break;
                case [(byte)'q', (byte)'u', (byte)'o', (byte)'t', (byte)'e', (byte)'s']:
                    item.Quotes = StringList(ref reader, ref item, "quotes");
                    break;
                case [(byte)'t', (byte)'r', (byte)'a', (byte)'d', (byte)'e', (byte)'s']:
                    item.Trades = StringList(ref reader, ref item, "trades");
                    break;
                default:
                    reader.Skip();
                    break;
            }

            // An object or array where a field of ours wants a single value: read past it, not into it.
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        }
    }

    /// <summary>
    /// The current token's bytes without JSON escapes; empty when an escaped token does not fit the scratch, false when
    /// its escapes make no valid text.
    /// </summary>
    private static bool TryUnescape(ref Utf8JsonReader reader, byte[] scratch, out ReadOnlySpan<byte> value)
    {
        value = [];
        if (!reader.ValueIsEscaped) value = reader.ValueSpan;
        else if (reader.ValueSpan.Length > scratch.Length) return true;

        try
        {
            if (reader.ValueIsEscaped) value = scratch.AsSpan(0, reader.CopyString(scratch));
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The current string token as a .NET string; false when it is not valid text.</summary>
    private static bool TryGetString(ref Utf8JsonReader reader, out string? value)
    {
        try
        {
            value = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = null;
            return false;
        }
    }

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

    private List<string>? StringList(ref Utf8JsonReader reader, ref AlpacaItem item, string field)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                reader.Skip();
            }
            else if (!reader.ValueIsEscaped)
            {
                list.Add(symbols.Get(reader.ValueSpan));
            }
            else if (TryGetString(ref reader, out var symbol))
            {
                list.Add(symbol!);
            }
            else
            {
                item.BadField ??= field;
            }
        }

        return list;
    }
}
