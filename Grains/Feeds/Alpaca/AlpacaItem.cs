namespace QuoteCluster.Feeds.Alpaca;

/// <summary>The fields of one array item as a decoder meets them; both codecs fill it and let it decide what it was.</summary>
/// <remarks>
/// JSON objects and msgpack maps do not promise key order, so an item's type (`T`) is known only once all of it has
/// been read.
/// </remarks>
internal struct AlpacaItem
{
    public const byte Missing = 0;
    public const byte QuoteType = (byte)'q';
    public const byte TradeType = (byte)'t';
    public const byte SuccessType = 1;
    public const byte ErrorType = 2;
    public const byte SubscriptionType = 3;
    public const byte OtherType = 4;

    public byte Type;
    public string? Symbol;
    public int SymbolId;
    public double BidPrice;
    public double AskPrice;
    public double Price;
    public long BidSize;
    public long AskSize;
    public long Size;
    public DateTimeOffset? Timestamp;
    public int Code;
    public string? Message;
    public List<string>? Quotes;
    public List<string>? Trades;

    /// <summary>Bits of the price fields present: bid, ask, trade price.</summary>
    public byte Prices;

    /// <summary>The first field whose value had the wrong type or could not be read, if any.</summary>
    public string? BadField;

    public const byte HasBid = 1, HasAsk = 2, HasPrice = 4;

    public static byte ClassifyType(ReadOnlySpan<byte> type) => type switch
    {
        [(byte)'q'] => QuoteType,
        [(byte)'t'] => TradeType,
        _ when type.SequenceEqual("success"u8) => SuccessType,
        _ when type.SequenceEqual("error"u8) => ErrorType,
        _ when type.SequenceEqual("subscription"u8) => SubscriptionType,
        _ => OtherType,
    };

    public readonly void CompleteInto(AlpacaFrame frame)
    {
        switch (Type)
        {
            case QuoteType or TradeType when BadField is not null:
                frame.MarkMalformed($"'{(char)Type}' item has a bad '{BadField}'");
                return;
            case SuccessType or ErrorType or SubscriptionType when BadField is not null:
                // A control we cannot read in full is not acted on: an error without its code says nothing to act on.
                frame.MarkMalformed($"control item has a bad '{BadField}'");
                return;
            case QuoteType when Symbol is null || Timestamp is null || (Prices & (HasBid | HasAsk)) != (HasBid | HasAsk):
                frame.MarkMalformed("quote without S, bp, ap or t");
                return;
            case TradeType when Symbol is null || Timestamp is null || (Prices & HasPrice) == 0:
                frame.MarkMalformed("trade without S, p or t");
                return;
            case QuoteType or TradeType:
                // Fields a type does not carry are zero: a quote has no trade price, a trade no bid or ask.
                frame.Add() = new AlpacaMarketEvent
                {
                    Kind = Type == QuoteType ? AlpacaEventKind.Quote : AlpacaEventKind.Trade,
                    Symbol = Symbol,
                    SymbolId = SymbolId,
                    BidPrice = BidPrice,
                    AskPrice = AskPrice,
                    BidSize = BidSize,
                    AskSize = AskSize,
                    Price = Price,
                    Size = Size,
                    Timestamp = Timestamp.Value,
                };
                return;

            case SuccessType:
                frame.Controls.Add(AlpacaControlMessage.Success(Message ?? ""));
                return;
            case ErrorType:
                frame.Controls.Add(AlpacaControlMessage.Error(Code, Message ?? ""));
                return;
            case SubscriptionType:
                frame.Controls.Add(AlpacaControlMessage.Subscription(Quotes ?? [], Trades ?? []));
                return;
            case Missing:
                frame.MarkMalformed("item without a readable T type");
                return;
            default:
                frame.Ignored++;
                return;
        }
    }
}
