using System.Text;
using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Feeds.Alpaca;

namespace QuoteCluster.Tests.Alpaca;

public sealed class AlpacaDecoderTests
{
    private readonly SymbolCache _symbols = new();
    private readonly AlpacaFrame _frame = new();

    private AlpacaFrame Json(string message)
    {
        _frame.Clear();
        new AlpacaJsonDecoder(_symbols).Decode(Encoding.UTF8.GetBytes(message), _frame);
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
}
