using QuoteCluster.Symbols;

namespace QuoteCluster.Tests.Symbols;

public class SymbolTests
{
    [Theory]
    [InlineData("aapl", "AAPL")]
    [InlineData(" BRK.B ", "BRK.B")]
    [InlineData("btc/usd", "BTC/USD")]
    [InlineData("BF-B", "BF-B")]
    [InlineData("FAKEPACA", "FAKEPACA")]
    public void Normalizes_alpaca_symbols_to_upper_case(string raw, string expected) =>
        Assert.Equal(expected, Symbol.Normalize(raw));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("AA$")]
    [InlineData("1ABC")]
    [InlineData("BRK.")]
    [InlineData("BRK..B")]
    [InlineData(".")]
    [InlineData("__X__")]
    [InlineData("A_B")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUV")]
    public void Rejects_invalid_symbols_with_a_message_naming_them(string raw)
    {
        var error = Assert.Throws<InvalidSymbolException>(() => Symbol.Normalize(raw));
        Assert.Contains($"'{raw}'", error.Message);
    }

    [Fact]
    public void A_list_with_bad_entries_is_rejected_whole_naming_each()
    {
        var error = Assert.Throws<InvalidSymbolException>(() => Symbol.ParseList("AAPL,b@d,MSFT,x y"));
        Assert.Contains("'b@d'", error.Message);
        Assert.Contains("'x y'", error.Message);
    }

    [Fact]
    public void A_list_is_upper_cased_and_deduplicated_in_order() =>
        Assert.Equal(["MSFT", "AAPL"], Symbol.ParseList("msft, AAPL ,Msft,,"));
}
