using System.Text.Json;
using QuoteCluster.Quotes;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>
/// Reads the market-data REST API's snapshots answer (docs/alpaca.md): an object keyed by symbol, each with a
/// `latestQuote` and a `latestTrade` in the stream's short keys, or null or absent when the symbol has no data.
/// </summary>
/// <remarks>A snapshot that cannot be read leaves out its own symbol, never the others.</remarks>
internal static class AlpacaSnapshotParser
{
    /// <summary>Adds a tick for each requested symbol whose snapshot has a quote; false when the body is no JSON object.</summary>
    /// <param name="requested">The symbols asked for, by the spelling the server answers with; the ticks use these strings.</param>
    public static bool TryParse(ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> requested, DateTimeOffset receivedAt, List<QuoteTick> into)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) return false;
            foreach (var snapshot in document.RootElement.EnumerateObject())
            {
                if (!requested.TryGetValue(snapshot.Name, out var symbol) || snapshot.Value.ValueKind != JsonValueKind.Object) continue;
                if (TryRead(symbol, snapshot.Value, receivedAt, out var tick)) into.Add(tick);
            }

            return true;
        }
    }

    private static bool TryRead(string symbol, JsonElement snapshot, DateTimeOffset receivedAt, out QuoteTick tick)
    {
        tick = default;

        // A quote is required, for bid and ask; a trade only adds its price, as on the stream (AlpacaBook).
        if (!snapshot.TryGetProperty("latestQuote", out var quote) || quote.ValueKind != JsonValueKind.Object
            || !TryNumber(quote, "bp", out var bid) || !TryNumber(quote, "ap", out var ask) || !TryTime(quote, out var quoteTime))
        {
            return false;
        }

        double? lastPrice = null;
        var time = quoteTime;
        if (snapshot.TryGetProperty("latestTrade", out var trade) && trade.ValueKind == JsonValueKind.Object
            && TryNumber(trade, "p", out var price) && TryTime(trade, out var tradeTime))
        {
            lastPrice = price;
            if (tradeTime > time) time = tradeTime;
        }

        tick = new QuoteTick(symbol, bid, ask, Size(quote, "bs"), Size(quote, "as"), lastPrice, time, receivedAt, QuoteSources.Alpaca);
        return true;
    }

    private static bool TryNumber(JsonElement item, string field, out double value)
    {
        value = 0;
        return item.TryGetProperty(field, out var number) && number.ValueKind == JsonValueKind.Number
            && number.TryGetDouble(out value) && double.IsFinite(value);
    }

    private static long Size(JsonElement item, string field) =>
        TryNumber(item, field, out var size) && size is >= 0 and <= long.MaxValue ? (long)size : 0;

    /// <summary>`t`: RFC 3339 with 0 to 9 fraction digits, read as the stream's JSON decoder reads it, to 100 ns.</summary>
    private static bool TryTime(JsonElement item, out DateTimeOffset time)
    {
        time = default;
        return item.TryGetProperty("t", out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out time);
    }
}
