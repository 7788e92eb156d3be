using System.Net;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using QuoteCluster.Configuration;
using QuoteCluster.Quotes;
using QuoteCluster.Storage;
using QuoteCluster.Storage.Firestore;
using QuoteCluster.Storage.Firestore.Wire;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Firestore;

[Collection(FirestoreEmulatorCollection.Name)]
public class FirestoreQuoteStoreTests(FirestoreEmulator emulator)
{
    private static readonly DateTimeOffset At = new(2026, 11, 2, 14, 30, 0, 123, TimeSpan.Zero);

    private (FirestoreClient Client, FirestoreQuoteStore Store, DocumentPaths Paths) Create(string tenant, bool legacy = false)
    {
        var options = QuoteClusterTestCluster.Options(("FIRESTORE_EMULATOR_HOST", emulator.Host), ("TENANT_ID", tenant), ("FIRESTORE_WRITE_LEGACY_FIELDS", legacy ? "1" : "0"));
        var client = FirestoreClient.Create(options);
        var paths = DocumentPaths.From(options);
        return (client, new FirestoreQuoteStore(client, paths, options, NullLogger<FirestoreQuoteStore>.Instance, TimeProvider.System), paths);
    }

    private static Quote Quote(string symbol, double bid) =>
        new(symbol, bid, bid + 0.05, 1, 2, bid + 0.01, At, At.AddMilliseconds(2), QuoteSources.Simulated);

    [Fact]
    public async Task Quotes_land_at_exactly_the_right_names_in_the_default_database_with_the_right_types()
    {
        var (client, store, paths) = Create("tenant-a");
        using var _ = client;
        await store.WriteQuotesAsync([Quote("AAPL", 228.1), Quote("BRK.B", 470.2), Quote("BTC/USD", 91000)], CancellationToken.None);

        var names = new[] { "AAPL", "BRK.B", "BTC/USD" }.Select(s => client.DocumentName(paths.Quote(s))).ToList();
        Assert.Equal("projects/demo-quotes/databases/(default)/documents/tenants/tenant-a/live_quotes/BTC_USD", names[2]);
        var documents = await client.GetAsync(names, CancellationToken.None);
        Assert.All(names, n => Assert.NotNull(documents[n]));

        var aapl = documents[names[0]]!.Fields;
        Assert.Equal("AAPL", aapl["symbol"].StringValue);
        Assert.Equal(228.1, aapl["bid"].DoubleValue);
        Assert.Equal(228.15, aapl["ask"].DoubleValue, 6);
        Assert.Equal(228.11, aapl["price"].DoubleValue, 6);
        Assert.Equal(At, aapl["ts"].TimestampValue.ToDateTimeOffset());
        Assert.Equal("simulated", aapl["source"].StringValue);

        // Read back over REST at the (default) database: a wrong database name would pass our own read-back.
        Assert.Equal(HttpStatusCode.OK, (await emulator.GetRestAsync("tenants/tenant-a/live_quotes/BRK.B")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await emulator.GetRestAsync("tenants/tenant-a/live_quotes/BTC_USD")).StatusCode);
    }

    [Fact]
    public async Task A_quote_overwrites_the_whole_document()
    {
        var (client, legacyStore, paths) = Create("tenant-b", legacy: true);
        using var _ = client;
        await legacyStore.WriteQuotesAsync([Quote("MSFT", 425)], CancellationToken.None);
        var (client2, store, _) = Create("tenant-b");
        using var __ = client2;
        await store.WriteQuotesAsync([Quote("MSFT", 426)], CancellationToken.None);

        var name = client.DocumentName(paths.Quote("MSFT"));
        var fields = (await client.GetAsync([name], CancellationToken.None))[name]!.Fields;
        Assert.Equal(426, fields["bid"].DoubleValue);
        Assert.False(fields.ContainsKey("bid_price"), "fields left out of an overwrite are deleted");
    }

    [Fact]
    public async Task The_heartbeat_lands_under_ops()
    {
        var (client, store, paths) = Create("tenant-c");
        using var _ = client;
        await store.WriteHeartbeatAsync(new Heartbeat(At, HeartbeatStatus.Running, "AAPL", false, "simulated", "live", null, 10, 3), CancellationToken.None);
        var name = client.DocumentName(paths.Heartbeat);
        Assert.EndsWith("/documents/tenants/tenant-c/ops/market_ingest", name);
        var fields = (await client.GetAsync([name], CancellationToken.None))[name]!.Fields;
        Assert.Equal("running", fields["status"].StringValue);
        Assert.Equal(Value.ValueTypeOneofCase.TimestampValue, fields["ts"].ValueTypeCase);
        Assert.False(fields["dry_run"].BooleanValue);
    }

    [Fact]
    public async Task An_unreachable_firestore_fails_fast_once_the_breaker_opens_and_reports_degraded_health()
    {
        var options = QuoteClusterTestCluster.Options(("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9"), ("TENANT_ID", "t"));
        using var client = FirestoreClient.Create(options);
        var store = new FirestoreQuoteStore(client, DocumentPaths.From(options), options, NullLogger<FirestoreQuoteStore>.Instance, TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => store.WriteQuotesAsync([Quote("AAPL", 1)], CancellationToken.None));
        }

        Assert.False(store.Health.Healthy);
        Assert.NotNull(store.Health.LastError);
        var broken = await Assert.ThrowsAnyAsync<Exception>(() => store.WriteQuotesAsync([Quote("AAPL", 1)], CancellationToken.None));
        Assert.IsType<Polly.CircuitBreaker.BrokenCircuitException>(broken);
    }

    [Fact]
    public async Task A_malformed_document_name_is_rejected_as_invalid_argument()
    {
        var (client, _, _) = Create("tenant-d");
        using var __ = client;
        var invalid = new Write { Update = new Document { Name = client.DocumentName("tenants") } };
        var error = await Assert.ThrowsAsync<RpcException>(() => client.CommitAsync([invalid], CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }
}
