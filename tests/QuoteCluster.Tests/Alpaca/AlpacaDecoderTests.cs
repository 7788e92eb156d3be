using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using MessagePack;
using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Feeds.Alpaca;

namespace QuoteCluster.Tests.Alpaca;

public sealed class AlpacaDecoderTests
{
    private readonly SymbolCache _symbols = new();
    private readonly AlpacaFrame _frame = new();

    private AlpacaFrame Json(string message) => Json(Utf8(message));

    private AlpacaFrame Json(byte[] message)
    {
        _frame.Clear();
        new AlpacaJsonDecoder(_symbols).Decode(message, _frame);
        return _frame;
    }

    private AlpacaFrame Pack(byte[] message)
    {
        _frame.Clear();
        new AlpacaMessagePackDecoder(_symbols).Decode(message, _frame);
        return _frame;
    }

    [Theory]
    [InlineData("2021-02-22T19:15:00Z", 0)]
    [InlineData("2021-02-22T19:15:00.3Z", 3_000_000)]
    [InlineData("2021-02-22T19:15:00.3355677Z", 3_355_677)]
    [InlineData("2021-02-22T19:15:00.83540958Z", 8_354_095)]
    [InlineData("2021-02-22T19:15:00.123456789Z", 1_234_567)]
    public void Json_timestamps_take_zero_to_nine_fraction_digits(string timestamp, long fractionTicks)
    {
        var frame = Json($$"""[{"T":"q","S":"AAPL","bx":"V","bp":1.5,"bs":2,"ax":"V","ap":1.6,"as":3,"c":["R"],"z":"C","t":"{{timestamp}}"}]""");
        var quote = Assert.Single(frame.Events.ToArray());
        Assert.Equal(new DateTime(2021, 2, 22, 19, 15, 0, DateTimeKind.Utc).Ticks + fractionTicks, quote.Timestamp.UtcTicks);
        Assert.Equal((1.5, 1.6, 2L, 3L), (quote.BidPrice, quote.AskPrice, quote.BidSize, quote.AskSize));
    }

    [Fact]
    public void Keys_in_any_order_and_escaped_keys_are_read()
    {
        var frame = Json("""[{"t":"2024-01-02T15:00:00Z","p":101.25,"s":7,"S":"MSFT","\u0054":"t","i":9}]""");
        var trade = Assert.Single(frame.Events.ToArray());
        Assert.Equal((AlpacaEventKind.Trade, "MSFT", 101.25, 7L), (trade.Kind, trade.Symbol, trade.Price, trade.Size));
    }

    [Fact]
    public void Control_messages_are_reported_in_order()
    {
        Assert.Equal(AlpacaControlMessage.Success("connected"), Assert.Single(Json("""[{"T":"success","msg":"connected"}]""").Controls));
        Assert.Equal(AlpacaControlMessage.Error(406, "connection limit exceeded"), Assert.Single(Json("""[{"T":"error","code":406,"msg":"connection limit exceeded"}]""").Controls));
        var subscription = Assert.Single(Json("""[{"T":"subscription","trades":["AAPL"],"quotes":["AMD","CLDR"],"bars":["*"],"corrections":["AAPL"]}]""").Controls);
        Assert.Equal(["AMD", "CLDR"], subscription.Quotes);
        Assert.Equal(["AAPL"], subscription.Trades);
    }

    [Fact]
    public void Unknown_types_are_ignored_and_broken_items_are_counted_without_losing_the_good_ones()
    {
        var frame = Json("""
            [{"T":"b","S":"AAPL","o":1,"h":2,"l":0.5,"c":1.5,"v":100,"t":"2024-01-02T15:00:00Z"},
             {"T":"q","S":"AAPL","bp":1,"t":"2024-01-02T15:00:00Z"},
             {"T":"q","S":"AAPL","bp":"x","ap":2,"t":"2024-01-02T15:00:00Z"},
             {"S":"AAPL"},
             {"T":"q","S":"MSFT","bp":1,"ap":2,"t":"2024-01-02T15:00:00Z"}]
            """);
        Assert.Equal(1, frame.Ignored);
        Assert.Equal(3, frame.MalformedCount);
        Assert.Equal("MSFT", Assert.Single(frame.Events.ToArray()).Symbol);
    }

    [Theory]
    [InlineData("{\"T\":\"q\"}")]
    [InlineData("[{\"T\":\"q\",\"S\":\"AA")]
    [InlineData("not json")]
    [InlineData("")]
    public void A_message_that_is_not_a_json_array_is_malformed_not_fatal(string message)
    {
        var frame = Json(message);
        Assert.True(frame.MalformedCount >= 1);
        Assert.Equal(0, frame.EventCount);
    }

    [Fact]
    public void Msgpack_reads_what_the_simulator_writes_with_the_timestamp_extension()
    {
        var at = new DateTime(2024, 1, 2, 15, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567);
        var message = new ServerMessages(AlpacaCodec.MessagePack).Data(
        [
            new MarketItem(false, "BRK.B", 470.1, 3, 470.3, 4, 0, 0, 0, at),
            new MarketItem(true, "BRK.B", 0, 0, 0, 0, 470.2, 50, 77, at),
        ]);
        Assert.NotEqual((byte)'[', message[0]);
        var frame = Pack(message);
        Assert.Equal(0, frame.MalformedCount);
        var events = frame.Events.ToArray();
        Assert.Equal((AlpacaEventKind.Quote, "BRK.B", 470.1, 470.3, 3L, 4L, at.Ticks), (events[0].Kind, events[0].Symbol, events[0].BidPrice, events[0].AskPrice, events[0].BidSize, events[0].AskSize, events[0].Timestamp.UtcTicks));
        Assert.Equal((AlpacaEventKind.Trade, 470.2, 50L), (events[1].Kind, events[1].Price, events[1].Size));

        // The same symbol decodes to one shared string.
        Assert.Same(events[0].Symbol, events[1].Symbol);
    }

    [Fact]
    public void Msgpack_controls_and_garbage()
    {
        var messages = new ServerMessages(AlpacaCodec.MessagePack);
        Assert.Equal(AlpacaControlMessage.Error(402, "auth failed"), Assert.Single(Pack(messages.Error(402, "auth failed")).Controls));
        Assert.Equal(1, Pack([0x93, 0x81, 0xa1, (byte)'T']).MalformedCount);
        Assert.Equal(1, Pack([0x81, 0xa1, (byte)'T', 0xa1, (byte)'q']).MalformedCount);
    }

    /// <summary>Values a msgpack item can carry that no reader method accepts as they are: each must mark only its own item.</summary>
    public static TheoryData<string, byte[]> UnreadableMsgpackItems => new()
    {
        // Integers past what the field's reader returns: ReadInt64 and ReadInt32 overflow on them.
        { "a size past Int64", MsgpackQuote(("bs", (ref MessagePackWriter w) => w.Write(ulong.MaxValue))) },
        { "a price past Int64", MsgpackQuote(("bp", (ref MessagePackWriter w) => w.Write(ulong.MaxValue))) },
        { "an error code past Int32", MsgpackItem(("T", (ref MessagePackWriter w) => w.Write("error")), ("code", (ref MessagePackWriter w) => w.Write(uint.MaxValue)), ("msg", (ref MessagePackWriter w) => w.Write("x"))) },
        { "an error code past Int64", MsgpackItem(("T", (ref MessagePackWriter w) => w.Write("error")), ("code", (ref MessagePackWriter w) => w.Write(ulong.MaxValue)), ("msg", (ref MessagePackWriter w) => w.Write("x"))) },

        // Timestamps outside DateTime's years 1 to 9999, where ReadDateTime throws a range error.
        { "a timestamp past year 9999", MsgpackQuote(("t", (ref MessagePackWriter w) => Timestamp96(ref w, seconds: long.MaxValue, nanoseconds: 0))) },
        { "a timestamp before year 1", MsgpackQuote(("t", (ref MessagePackWriter w) => Timestamp96(ref w, seconds: long.MinValue, nanoseconds: 0))) },

        // Timestamps the extension's own rules forbid: a nanosecond field of a second or more, a length of 5.
        { "a timestamp of a billion nanoseconds", MsgpackQuote(("t", (ref MessagePackWriter w) => Timestamp96(ref w, seconds: 0, nanoseconds: 1_000_000_000))) },
        { "a timestamp of length 5", MsgpackQuote(("t", (ref MessagePackWriter w) => { w.WriteExtensionFormatHeader(new ExtensionHeader(-1, 5)); w.WriteRaw(new byte[5]); })) },
        { "a timestamp of another extension type", MsgpackQuote(("t", (ref MessagePackWriter w) => { w.WriteExtensionFormatHeader(new ExtensionHeader(3, 4)); w.WriteRaw(new byte[4]); })) },
    };

    [Theory]
    [MemberData(nameof(UnreadableMsgpackItems))]
    public void A_msgpack_item_with_an_unreadable_value_is_malformed_and_the_items_beside_it_are_read(string what, byte[] item)
    {
        var frame = Pack(MsgpackArray(item, GoodMsgpackQuote("MSFT")));
        Assert.True(frame.MalformedCount == 1, $"{what}: {frame.MalformedCount} malformed");
        Assert.Equal("MSFT", Assert.Single(frame.Events.ToArray()).Symbol);
        Assert.Empty(frame.Controls);
    }

    [Fact]
    public void A_msgpack_timestamp_at_the_edges_of_the_range_is_read_to_the_nanosecond_it_can_keep()
    {
        var late = Pack(MsgpackArray(MsgpackQuote(("t", (ref MessagePackWriter w) => Timestamp96(ref w, seconds: 253_402_300_799, nanoseconds: 999_999_999)))));
        Assert.Equal(DateTimeOffset.MaxValue.UtcTicks, Assert.Single(late.Events.ToArray()).Timestamp.UtcTicks);
        var early = Pack(MsgpackArray(MsgpackQuote(("t", (ref MessagePackWriter w) => Timestamp96(ref w, seconds: -62_135_596_800, nanoseconds: 0)))));
        Assert.Equal(DateTimeOffset.MinValue.UtcTicks, Assert.Single(early.Events.ToArray()).Timestamp.UtcTicks);

        // The 32- and 64-bit forms the simulator and Alpaca write.
        var at = new DateTime(2024, 1, 2, 15, 0, 0, DateTimeKind.Utc);
        foreach (var time in new[] { at, at.AddTicks(1_234_567) })
        {
            Assert.Equal(time.Ticks, Assert.Single(Pack(MsgpackArray(MsgpackQuote(("t", (ref MessagePackWriter w) => w.Write(time))))).Events.ToArray()).Timestamp.UtcTicks);
        }
    }

    [Fact]
    public void A_msgpack_integer_that_fits_is_read_whatever_its_encoding()
    {
        var frame = Pack(MsgpackArray(MsgpackQuote(("bs", (ref MessagePackWriter w) => w.Write((ulong)long.MaxValue)), ("as", (ref MessagePackWriter w) => w.Write(7)), ("bp", (ref MessagePackWriter w) => w.Write(-3L)))));
        var quote = Assert.Single(frame.Events.ToArray());
        Assert.Equal((long.MaxValue, 7L, -3.0), (quote.BidSize, quote.AskSize, quote.BidPrice));
    }

    public static TheoryData<string, byte[]> UnreadableJsonItems => new()
    {
        // Strings that are valid JSON tokens but no .NET string: reading them throws InvalidOperationException.
        { "a symbol with a lone surrogate escape", Utf8("""{"T":"q","S":"\uD800","bp":1,"ap":2,"t":"2024-01-02T15:00:00Z"}""") },
        { "a symbol of invalid UTF-8", [.. Utf8("{\"T\":\"q\",\"S\":\"\\n"), 0xff, .. Utf8("\",\"bp\":1,\"ap\":2,\"t\":\"2024-01-02T15:00:00Z\"}")] },
        { "a message of invalid UTF-8", [.. Utf8("""{"T":"error","code":400,"msg":" """), 0xff, 0xfe, .. Utf8("\"}")] },
        { "a subscription list with a lone surrogate", Utf8("""{"T":"subscription","quotes":["\uDC00"],"trades":[]}""") },
        { "an error code past Int32", Utf8("""{"T":"error","code":99999999999,"msg":"x"}""") },
        { "a type with a lone surrogate", Utf8("""{"T":"\uD800","S":"AAPL","bp":1,"ap":2,"t":"2024-01-02T15:00:00Z"}""") },
    };

    [Theory]
    [MemberData(nameof(UnreadableJsonItems))]
    public void A_json_item_with_an_unreadable_value_is_malformed_and_the_items_beside_it_are_read(string what, byte[] item)
    {
        byte[] message = [(byte)'[', .. item, (byte)',', .. Utf8("""{"T":"q","S":"MSFT","bp":1,"ap":2,"t":"2024-01-02T15:00:00Z"}"""), (byte)']'];
        var frame = Json(message);
        Assert.True(frame.MalformedCount == 1, $"{what}: {frame.MalformedCount} malformed");
        Assert.Equal("MSFT", Assert.Single(frame.Events.ToArray()).Symbol);
        Assert.Empty(frame.Controls);
    }

    [Fact]
    public void A_json_key_that_cannot_be_unescaped_is_skipped_with_its_value()
    {
        var frame = Json(Utf8("""[{"\uD800":{"x":[1]},"T":"q","S":"AAPL","bp":1,"ap":2,"t":"2024-01-02T15:00:00Z"}]"""));
        Assert.Equal(0, frame.MalformedCount);
        Assert.Equal("AAPL", Assert.Single(frame.Events.ToArray()).Symbol);
    }

    [Fact]
    public void Json_written_by_the_simulator_uses_go_style_nanosecond_timestamps()
    {
        Assert.Equal("2024-01-02T15:00:00Z", ServerMessages.Rfc3339Nano(new DateTime(2024, 1, 2, 15, 0, 0, DateTimeKind.Utc)));
        Assert.Equal("2024-01-02T15:00:00.12345Z", ServerMessages.Rfc3339Nano(new DateTime(2024, 1, 2, 15, 0, 0, DateTimeKind.Utc).AddTicks(1_234_500)));
    }

    [Fact]
    public void The_symbol_cache_is_bounded()
    {
        var cache = new SymbolCache(capacity: 2);
        var first = cache.Get("AAPL"u8);
        Assert.Same(first, cache.Get("AAPL"u8));
        cache.Get("MSFT"u8);
        Assert.Equal("NVDA", cache.Get("NVDA"u8));
        Assert.Equal(2, cache.Count);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] MsgpackArray(params byte[][] items)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(items.Length);
        foreach (var item in items) writer.WriteRaw(item);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private delegate void WriteValue(ref MessagePackWriter writer);

    private static byte[] MsgpackItem(params (string Key, WriteValue Value)[] fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(fields.Length);
        foreach (var (key, value) in fields)
        {
            writer.Write(key);
            value(ref writer);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A well-formed AAPL quote, with <paramref name="replaced"/> fields written instead of (or besides) its own.</summary>
    private static byte[] MsgpackQuote(params (string Key, WriteValue Value)[] replaced)
    {
        var at = new DateTime(2024, 1, 2, 15, 0, 0, DateTimeKind.Utc);
        (string Key, WriteValue Value)[] fields =
        [
            ("T", (ref MessagePackWriter w) => w.Write("q")), ("S", (ref MessagePackWriter w) => w.Write("AAPL")),
            ("bp", (ref MessagePackWriter w) => w.Write(1.5)), ("bs", (ref MessagePackWriter w) => w.Write(2)),
            ("ap", (ref MessagePackWriter w) => w.Write(1.6)), ("as", (ref MessagePackWriter w) => w.Write(3)),
            ("t", (ref MessagePackWriter w) => w.Write(at)),
        ];
        return MsgpackItem([.. fields.Where(f => replaced.All(r => r.Key != f.Key)), .. replaced]);
    }

    private static byte[] GoodMsgpackQuote(string symbol) => MsgpackQuote(("S", (ref MessagePackWriter w) => w.Write(symbol)));

    /// <summary>The timestamp extension's 96-bit form: 32-bit nanoseconds, then 64-bit signed seconds since 1970.</summary>
    private static void Timestamp96(ref MessagePackWriter writer, long seconds, uint nanoseconds)
    {
        writer.WriteExtensionFormatHeader(new ExtensionHeader(-1, 12));
        var body = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(body, nanoseconds);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(4), seconds);
        writer.WriteRaw(body);
    }
}
