using QuoteCluster.Storage;

namespace QuoteCluster.Tests.Storage;

public class DocumentPathsTests
{
    private readonly DocumentPaths _paths = new("acme", "live_quotes");

    [Fact]
    public void Quote_documents_live_under_the_tenant() =>
        Assert.Equal("tenants/acme/live_quotes/AAPL", _paths.Quote("AAPL"));

    [Fact]
    public void The_heartbeat_lives_under_ops() =>
        Assert.Equal("tenants/acme/ops/market_ingest", _paths.Heartbeat);

    [Theory]
    [InlineData("BRK.B", "BRK.B")]
    [InlineData("BTC/USD", "BTC_USD")]
    public void Symbols_map_to_valid_distinct_document_ids(string symbol, string id)
    {
        Assert.Equal(id, DocumentPaths.DocumentId(symbol));
        Assert.DoesNotContain('/', DocumentPaths.DocumentId(symbol));
    }
}
