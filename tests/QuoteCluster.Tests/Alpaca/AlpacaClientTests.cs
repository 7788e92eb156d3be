using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Feeds.Alpaca;
using QuoteCluster.Ingest;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Alpaca;

public sealed class AlpacaClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(AlpacaCodec.Json)]
    [InlineData(AlpacaCodec.MessagePack)]
    public async Task Handshake_then_quotes_and_trades_in_either_codec(AlpacaCodec codec)
    {
        await using var harness = await AlpacaHarness.StartAsync(new SimulatorOptions { Rate = 400, TradeRatio = 0.3 });
        var (client, sink) = await harness.ConnectAsync(harness.Settings(codec), ["AAPL", "MSFT", "BRK.B"]);

        await Eventually.Until(() => sink.Latest.Count == 3 && sink.Latest.Values.All(q => q.LastPrice is not null), Timeout, "quotes with trade prices for all three symbols");

        var session = Assert.Single(harness.Simulator.Sessions);
        Assert.Equal(codec, session.Codec);
        Assert.Equal(["auth", "subscribe"], session.Requests);
        Assert.Equal(new HashSet<string> { "AAPL", "MSFT", "BRK.B" }, session.QuoteSymbols);
        Assert.Equal(session.QuoteSymbols, session.TradeSymbols);
        Assert.Equal(FeedState.Live, client.Health.State);
        Assert.True(client.Health.Connected);
        Assert.True(client.TradesReceived > 0);
        Assert.Equal(0, client.MalformedMessages);

        // The .NET trap: asking for msgpack through a header ClientWebSocket drops would silently give JSON text.
        if (codec == AlpacaCodec.MessagePack)
        {
            Assert.True(client.BinaryMessages > 0);
            Assert.Equal(0, client.TextMessages);
        }
        else
        {
            Assert.True(client.TextMessages > 0);
            Assert.Equal(0, client.BinaryMessages);
        }

        var quote = sink.Latest["BRK.B"];
        Assert.Equal("alpaca", quote.Source);
        Assert.True(quote.Bid > 0 && quote.Ask >= quote.Bid);
        Assert.InRange(DateTimeOffset.UtcNow - quote.ExchangeTime, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }
}
