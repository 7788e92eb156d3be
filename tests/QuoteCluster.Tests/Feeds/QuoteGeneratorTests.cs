using QuoteCluster.Feeds;
using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Feeds;

public class QuoteGeneratorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 14, 30, 0, TimeSpan.Zero);

    private static QuoteTick[] Generate(int seed, int count)
    {
        var generator = new QuoteGenerator(["AAPL", "MSFT", "ZZZZ"], seed);
        var quotes = new QuoteTick[count];
        generator.Fill(quotes, Now, Now, QuoteSources.Simulated);
        return quotes;
    }

    [Fact]
    public void The_same_seed_gives_the_same_quotes() => Assert.Equal(Generate(7, 300), Generate(7, 300));

    [Fact]
    public void Another_seed_gives_other_quotes() => Assert.NotEqual(Generate(7, 300), Generate(8, 300));

    [Fact]
    public void Quotes_are_plausible_round_robin_and_stay_near_the_reference_price()
    {
        var quotes = Generate(42, 3000);
        Assert.Equal(["AAPL", "MSFT", "ZZZZ", "AAPL"], quotes.Take(4).Select(q => q.Symbol));
        Assert.All(quotes, q =>
        {
            Assert.True(q.Bid > 0 && q.Ask > q.Bid, $"{q.Symbol} bid {q.Bid} ask {q.Ask}");
            Assert.NotNull(q.LastPrice);
            Assert.Equal(QuoteSources.Simulated, q.Source);
        });
        Assert.InRange(quotes.Where(q => q.Symbol == "AAPL").Last().Mid, 228 * 0.9, 228 * 1.1);
    }
}
