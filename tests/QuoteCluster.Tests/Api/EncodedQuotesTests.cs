using System.Text;
using System.Text.Json;
using QuoteCluster.Api.Live;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Api;

/// <summary>Each update encoded once and then handed to every client that sends it.</summary>
public class EncodedQuotesTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Handing_out_an_update_already_encoded_allocates_nothing()
    {
        var encoded = new EncodedQuotes(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var update = new QuoteUpdate(new Quote("AAPL", 100, 100.02, 1, 1, null, T0, T0, "test"), 7);
        var first = encoded.ServerSentEvent(update);
        Assert.True(encoded.ServerSentEvent(update).Span.SequenceEqual(first.Span));
        encoded.SpotPriceUpdate(update);

        // A gateway hands each encoding to every client of the symbol: a thousand calls per update with a thousand.
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(encoded.ServerSentEvent(update).Span.SequenceEqual(first.Span));
            encoded.SpotPriceUpdate(update);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.StartsWith("id: 7\ndata: {", Encoding.UTF8.GetString(first.Span));
    }

    [Fact]
    public void An_older_update_encoded_late_does_not_replace_the_newer_one()
    {
        var encoded = new EncodedQuotes(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var older = new QuoteUpdate(new Quote("AAPL", 100, 100.02, 1, 1, null, T0, T0, "test"), 7);
        var newer = new QuoteUpdate(new Quote("AAPL", 101, 101.02, 1, 1, null, T0, T0, "test"), 8);

        var newest = encoded.ServerSentEvent(newer);
        Assert.StartsWith("id: 7\n", Encoding.UTF8.GetString(encoded.ServerSentEvent(older).Span));

        // The same bytes as before, not an encoding made again because the older one had replaced it.
        Assert.True(encoded.ServerSentEvent(newer).Span == newest.Span);
    }
}
