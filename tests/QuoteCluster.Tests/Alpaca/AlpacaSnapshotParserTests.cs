using System.Text;
using QuoteCluster.Feeds;
using QuoteCluster.Feeds.Alpaca;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Alpaca;

public sealed class AlpacaSnapshotParserTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 18, 15, 0, 0, TimeSpan.Zero);

    private static List<QuoteTick> Parse(string json, params string[] requested)
    {
        var ticks = new List<QuoteTick>();
        Assert.True(AlpacaSnapshotParser.TryParse(Encoding.UTF8.GetBytes(json), requested.ToDictionary(s => s, StringComparer.Ordinal), ReceivedAt, ticks));
        return ticks;
    }

    private static string Quote(string t = "2021-02-22T15:51:45.3355677Z", string bp = "1.5", string ap = "1.6") =>
        $$"""{"ap":{{ap}},"as":3,"ax":"V","bp":{{bp}},"bs":2,"bx":"V","c":["R"],"t":"{{t}}","z":"C"}""";

    private static string Trade(string t = "2021-02-22T15:51:44Z", string p = "1.55") =>
        $$"""{"c":["@"],"i":7,"p":{{p}},"s":100,"t":"{{t}}","x":"V","z":"C"}""";

    [Fact]
    public void A_snapshot_is_its_quote_with_the_trade_price_stamped_with_the_newer_of_the_two_times()
    {
        var tick = Assert.Single(Parse($$$"""{"AAPL":{"latestTrade":{{{Trade()}}},"latestQuote":{{{Quote()}}},"minuteBar":{"o":1,"h":2,"l":0.5,"c":1.5,"v":9,"t":"2021-02-22T15:51:00Z","n":1,"vw":1.4} } }""", "AAPL"));
        Assert.Equal(new QuoteTick("AAPL", 1.5, 1.6, 2, 3, 1.55, DateTimeOffset.Parse("2021-02-22T15:51:45.3355677Z"), ReceivedAt, QuoteSources.Alpaca), tick);

        var newerTrade = Assert.Single(Parse($$$"""{"AAPL":{"latestQuote":{{{Quote()}}},"latestTrade":{{{Trade(t: "2021-02-22T15:51:46.000000001Z")}}}}}""", "AAPL"));
        Assert.Equal(DateTimeOffset.Parse("2021-02-22T15:51:46Z"), newerTrade.ExchangeTime);
    }

    [Theory]
    [InlineData("2021-02-22T19:15:00Z", 0)]
    [InlineData("2021-02-22T19:15:00.3Z", 3_000_000)]
    [InlineData("2021-02-22T19:15:00.83540958Z", 8_354_095)]
    [InlineData("2021-02-22T19:15:00.123456789Z", 1_234_567)]
    public void Timestamps_take_zero_to_nine_fraction_digits_as_on_the_stream(string t, long fractionTicks)
    {
        var tick = Assert.Single(Parse($$$"""{"AAPL":{"latestQuote":{{{Quote(t)}}}}}""", "AAPL"));
        Assert.Equal(new DateTime(2021, 2, 22, 19, 15, 0, DateTimeKind.Utc).Ticks + fractionTicks, tick.ExchangeTime.UtcTicks);
        Assert.Null(tick.LastPrice);
    }

    [Fact]
    public void Symbols_without_a_readable_quote_are_left_out_and_the_others_read()
    {
        var ticks = Parse($$$"""
            {"NULL":null,
             "EMPTY":{},
             "TRADEONLY":{"latestTrade":{{{Trade()}}},"latestQuote":null},
             "BADPRICE":{"latestQuote":{{{Quote(bp: "\"1.5\"")}}}},
             "BADTIME":{"latestQuote":{{{Quote(t: "yesterday")}}}},
             "NOTASKED":{"latestQuote":{{{Quote()}}}},
             "BADTRADE":{"latestQuote":{{{Quote()}}},"latestTrade":{{{Trade(p: "null")}}}},
             "GOOD":{"latestQuote":{{{Quote()}}},"latestTrade":{{{Trade()}}}}}
            """, "NULL", "EMPTY", "TRADEONLY", "BADPRICE", "BADTIME", "BADTRADE", "GOOD", "ABSENT");
        Assert.Equal([("BADTRADE", (double?)null), ("GOOD", 1.55)], ticks.Select(t => (t.Symbol, t.LastPrice)));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("not json")]
    [InlineData("")]
    public void An_answer_that_is_no_json_object_is_refused(string body) =>
        Assert.False(AlpacaSnapshotParser.TryParse(Encoding.UTF8.GetBytes(body), new Dictionary<string, string>(), ReceivedAt, []));
}
