using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using QuoteCluster.Quotes;

namespace QuoteCluster.Api.Live;

/// <summary>
/// Each update encoded once for every client: the SSE event and the WebSocket `spot_price_update` message of the newest
/// version of each symbol, shared by every connection that sends it.
/// </summary>
/// <remarks>A thousand clients of one symbol would otherwise serialize the same quote a thousand times.</remarks>
public sealed class EncodedQuotes(JsonSerializerOptions restJson)
{
    private static readonly JsonSerializerOptions WebSocketJson = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<string, Encoded> _latest = new(StringComparer.Ordinal);

    /// <summary>`id: {version}` and `data: {quote JSON}`, as one SSE event.</summary>
    public ReadOnlyMemory<byte> ServerSentEvent(QuoteUpdate update) => For(update).ServerSentEvent;

    /// <summary>`{"type":"spot_price_update","update":{...},"timestamp":...}`, the timestamp being when it was encoded.</summary>
    public ReadOnlyMemory<byte> SpotPriceUpdate(QuoteUpdate update) => For(update).SpotPriceUpdate;

    private Encoded For(QuoteUpdate update)
    {
        var symbol = update.Quote.Symbol;
        if (_latest.TryGetValue(symbol, out var cached) && cached.Version == update.Version) return cached;

        var encoded = new Encoded(update.Version, EncodeEvent(update), EncodeSpot(update.Quote));

        // Keep the newest: an older update still being sent somewhere must not replace it. The lambdas are static,
        // taking the encoding as an argument: a captured one would put a closure on every call, cached or not.
        _latest.AddOrUpdate(symbol, static (_, added) => added, static (_, held, added) => held.Version >= added.Version ? held : added, encoded);
        return encoded;
    }

    private byte[] EncodeEvent(QuoteUpdate update)
    {
        var json = JsonSerializer.Serialize(QuoteView.From(update), restJson);
        return Encoding.UTF8.GetBytes($"id: {update.Version.ToString(CultureInfo.InvariantCulture)}\ndata: {json}\n\n");
    }

    private static byte[] EncodeSpot(Quote quote) => JsonSerializer.SerializeToUtf8Bytes(
        new SpotPriceMessage("spot_price_update", new SpotPrice(quote.Symbol, quote.Bid, quote.Ask, quote.Mid, quote.LastPrice, quote.ExchangeTime), DateTimeOffset.UtcNow),
        WebSocketJson);

    private sealed record Encoded(long Version, byte[] ServerSentEvent, byte[] SpotPriceUpdate);

    private sealed record SpotPriceMessage(string Type, SpotPrice Update, DateTimeOffset Timestamp);

    /// <summary>The `update` of a `spot_price_update`, under the field names our users' WebSocket clients read.</summary>
    private sealed record SpotPrice(
        [property: JsonPropertyName("symbol")] string Symbol,
        [property: JsonPropertyName("bid_price")] double BidPrice,
        [property: JsonPropertyName("ask_price")] double AskPrice,
        [property: JsonPropertyName("mid_price")] double MidPrice,
        [property: JsonPropertyName("last_price")] double? LastPrice,
        [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp);
}
