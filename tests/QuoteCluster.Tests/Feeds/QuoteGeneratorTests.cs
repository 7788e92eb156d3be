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

    [Fact]
    public void Latest_is_the_last_quote_made_without_taking_a_step()
    {
        var generator = new QuoteGenerator(["AAPL", "ZZZZ"], 42);
        var quotes = new QuoteTick[5];
        generator.Fill(quotes, Now, Now, QuoteSources.Simulated);
        var later = Now.AddSeconds(5);

        Assert.Equal(quotes[4] with { ReceivedAt = later, Source = "snapshot" }, generator.Latest("AAPL", later, "snapshot"));
        Assert.Equal(quotes[3] with { ReceivedAt = later }, generator.Latest("ZZZZ", later, QuoteSources.Simulated));
    }

    [Fact]
    public void A_symbol_starts_at_the_same_price_in_every_generator_and_in_a_snapshot_before_any()
    {
        // A snapshot taken before the symbol joins a walk shows the price the walk then starts it from.
        var opening = QuoteGenerator.Opening("ZZZZ", 42, Now, QuoteSources.Simulated);
        Assert.Equal(opening, new QuoteGenerator(["AAPL"], 42).Latest("ZZZZ", Now, QuoteSources.Simulated));
        Assert.Equal(opening, new QuoteGenerator(["ZZZZ", "MSFT"], 42).Latest("ZZZZ", Now, QuoteSources.Simulated));
        Assert.Equal(opening.Bid + 0.02, opening.Ask, 9);
        Assert.InRange(opening.LastPrice!.Value, 20, 500);

        var first = new QuoteGenerator(["ZZZZ"], 42).Next(Now, Now, QuoteSources.Simulated);
        var other = new QuoteGenerator(["MSFT", "ZZZZ"], 42);
        other.Next(Now, Now, QuoteSources.Simulated);
        Assert.InRange(first.Mid, opening.LastPrice.Value * 0.99, opening.LastPrice.Value * 1.01);
        Assert.InRange(other.Next(Now, Now, QuoteSources.Simulated).Mid, opening.LastPrice.Value * 0.99, opening.LastPrice.Value * 1.01);

        // Well-known tickers start at their reference price; other seeds move other symbols.
        Assert.Equal(228, QuoteGenerator.Opening("AAPL", 7, Now, QuoteSources.Simulated).LastPrice);
        Assert.NotEqual(opening.LastPrice, QuoteGenerator.Opening("ZZZZ", 43, Now, QuoteSources.Simulated).LastPrice);
    }
}
