using QuoteCluster.Quotes;
using QuoteCluster.Storage;
using QuoteCluster.Storage.Firestore;
using QuoteCluster.Storage.Firestore.Wire;

namespace QuoteCluster.Tests.Firestore;

public class FirestoreDocumentsTests
{
    private static readonly Quote Aapl = new("AAPL", 228.1, 228.15, 3, 4, null, new DateTimeOffset(2026, 11, 2, 14, 30, 0, 123, TimeSpan.Zero),
        new DateTimeOffset(2026, 11, 2, 14, 30, 0, 125, TimeSpan.Zero), QuoteSources.Alpaca);

    [Fact]
    public void The_database_is_the_default_one_with_parentheses() =>
        Assert.Equal("projects/p1/databases/(default)", FirestoreClient.DatabaseName("p1"));

    [Fact]
    public void A_quote_is_a_whole_document_overwrite_with_the_canonical_fields_and_types()
    {
        var write = FirestoreDocuments.Quote("projects/p1/databases/(default)/documents/tenants/t/live_quotes/AAPL", Aapl, legacyFields: false);
        Assert.Null(write.UpdateMask);
        var fields = write.Update.Fields;
        Assert.Equal("AAPL", fields["symbol"].StringValue);
        Assert.Equal(228.1, fields["bid"].DoubleValue);
        Assert.Equal(228.15, fields["ask"].DoubleValue);
        Assert.Equal(Aapl.Mid, fields["price"].DoubleValue);
        Assert.Equal(Value.ValueTypeOneofCase.TimestampValue, fields["ts"].ValueTypeCase);
        Assert.Equal(Aapl.ExchangeTime, fields["ts"].TimestampValue.ToDateTimeOffset());
        Assert.Equal("alpaca", fields["source"].StringValue);
        Assert.False(fields.ContainsKey("bid_price"));
    }

    [Fact]
    public void Legacy_fields_are_written_when_the_setting_is_on()
    {
        var fields = FirestoreDocuments.Quote("n", Aapl with { LastPrice = 228.12 }, legacyFields: true).Update.Fields;
        Assert.Equal(228.1, fields["bid_price"].DoubleValue);
        Assert.Equal(228.15, fields["ask_price"].DoubleValue);
        Assert.Equal(228.12, fields["last_trade_price"].DoubleValue);
        Assert.Equal(Value.ValueTypeOneofCase.TimestampValue, fields["last_update_ts"].ValueTypeCase);
    }

    [Fact]
    public void The_heartbeat_has_the_contract_fields_and_types()
    {
        var heartbeat = new Heartbeat(Aapl.ReceivedAt, HeartbeatStatus.Running, "AAPL", DryRun: false, "alpaca", "live", null, 12.5, 20);
        var fields = FirestoreDocuments.Heartbeat("n", heartbeat).Update.Fields;
        Assert.Equal(Value.ValueTypeOneofCase.TimestampValue, fields["ts"].ValueTypeCase);
        Assert.Equal("running", fields["status"].StringValue);
        Assert.Equal("AAPL", fields["last_symbol"].StringValue);
        Assert.Equal(Value.ValueTypeOneofCase.BooleanValue, fields["dry_run"].ValueTypeCase);
        Assert.Equal(Value.ValueTypeOneofCase.NullValue, fields["last_error"].ValueTypeCase);
    }
}
