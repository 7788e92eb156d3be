using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using QuoteCluster.Symbols;

namespace QuoteCluster.AlpacaSimulator;

/// <summary>
/// Alpaca's market-data REST API (v2) as docs/alpaca.md describes it: `GET /v2/stocks/snapshots`, `/quotes/latest` and
/// `/trades/latest` for `?symbols=A,B&amp;feed=...`, with the key and secret in the `APCA-API-*` headers, answered from
/// what the simulator's market has sent (or would start a symbol at), and the REST faults of <see cref="SimulatorFaults"/>.
/// </summary>
internal sealed class MarketDataApi(AlpacaSimulatorServer server, LatestMarketData market)
{
    private static readonly string[] RestFeeds = ["iex", "sip", "delayed_sip"];
    private static readonly string[] QuoteConditions = ["R"];
    private static readonly string[] TradeConditions = ["@"];

    private enum Answer
    {
        Snapshots,
        Quotes,
        Trades,
    }

    public void Map(WebApplication app)
    {
        app.MapGet("/v2/stocks/snapshots", context => ServeAsync(context, Answer.Snapshots));
        app.MapGet("/v2/stocks/quotes/latest", context => ServeAsync(context, Answer.Quotes));
        app.MapGet("/v2/stocks/trades/latest", context => ServeAsync(context, Answer.Trades));
    }

    private async Task ServeAsync(HttpContext context, Answer answer)
    {
        var request = context.Request;
        var feed = request.Query["feed"].FirstOrDefault();
        var symbols = (request.Query["symbols"].FirstOrDefault() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var status = await AnswerAsync(context, answer, feed ?? "iex", symbols);
        server.RecordRestRequest(new RestRequest(request.Path, feed, symbols.Length, status));
    }

    private async Task<int> AnswerAsync(HttpContext context, Answer answer, string feed, string[] symbols)
    {
        var options = server.Options;
        var headers = context.Request.Headers;
        var key = headers["APCA-API-KEY-ID"].FirstOrDefault();
        var secret = headers["APCA-API-SECRET-KEY"].FirstOrDefault();
        var credentialsOk = !string.IsNullOrEmpty(key) && !string.IsNullOrEmpty(secret)
            && (options.Key is null || (key == options.Key && secret == options.Secret));
        if (server.Faults.RejectAuth || !credentialsOk) return await ErrorAsync(context, StatusCodes.Status401Unauthorized, "unauthorized.");

        var faults = server.Faults;
        while (faults.RestStall)
        {
            // No answer until the fault is cleared or the client gives up.
            await Task.Delay(20, context.RequestAborted);
        }

        if (server.TakeRestFailure())
        {
            if (faults.RestRetryAfter is { } after)
            {
                context.Response.Headers.RetryAfter = Math.Ceiling(after.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            }

            return await ErrorAsync(context, faults.RestFailureStatus, faults.RestFailureStatus == 429 ? "too many requests." : "internal server error");
        }

        if (!RestFeeds.Contains(feed, StringComparer.Ordinal)) return await ErrorAsync(context, StatusCodes.Status400BadRequest, $"invalid feed: {feed}");
        if (options.DenyFeeds.Contains(feed, StringComparer.Ordinal))
        {
            return await ErrorAsync(context, StatusCodes.Status403Forbidden, "subscription does not permit querying recent SIP data");
        }

        if (symbols.Length == 0) return await ErrorAsync(context, StatusCodes.Status400BadRequest, "symbols is required");
        var invalid = symbols.FirstOrDefault(s => !(Symbol.TryNormalize(s, out var normal, out _) && normal == s));
        if (invalid is not null) return await ErrorAsync(context, StatusCodes.Status400BadRequest, $"invalid symbol: {invalid}");

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        if (answer != Answer.Snapshots) json.WriteStartObject(answer == Answer.Quotes ? "quotes" : "trades");
        foreach (var symbol in symbols.Distinct(StringComparer.Ordinal))
        {
            var latest = market.Latest(symbol);

            // Alpaca leaves a symbol without data out of the latest answers, and may give it as null in snapshots.
            if (latest is not { } data)
            {
                if (answer == Answer.Snapshots) json.WriteNull(symbol);
                continue;
            }

            json.WritePropertyName(symbol);
            switch (answer)
            {
                case Answer.Quotes:
                    WriteQuote(json, data.Quote);
                    break;
                case Answer.Trades:
                    WriteTrade(json, data.Trade);
                    break;
                default:
                    WriteSnapshot(json, data.Quote, data.Trade);
                    break;
            }
        }

        if (answer != Answer.Snapshots) json.WriteEndObject();
        json.WriteEndObject();
        return StatusCodes.Status200OK;
    }

    private static void WriteSnapshot(Utf8JsonWriter json, MarketItem quote, MarketItem trade)
    {
        json.WriteStartObject();
        json.WritePropertyName("latestTrade");
        WriteTrade(json, trade);
        json.WritePropertyName("latestQuote");
        WriteQuote(json, quote);

        // Bars made from the last trade: clients that only want quotes and trades must read past them.
        var minute = new DateTime(trade.Timestamp.Ticks - trade.Timestamp.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        WriteBar(json, "minuteBar", trade, minute);
        WriteBar(json, "dailyBar", trade, trade.Timestamp.Date.AddHours(4));
        WriteBar(json, "prevDailyBar", trade, trade.Timestamp.Date.AddDays(-1).AddHours(4));
        json.WriteEndObject();
    }

    /// <summary>The stream's short keys without `T` and `S`, as the REST API writes them.</summary>
    private static void WriteQuote(Utf8JsonWriter json, MarketItem quote)
    {
        json.WriteStartObject();
        json.WriteNumber("ap", quote.AskPrice);
        json.WriteNumber("as", quote.AskSize);
        json.WriteString("ax", "V");
        json.WriteNumber("bp", quote.BidPrice);
        json.WriteNumber("bs", quote.BidSize);
        json.WriteString("bx", "V");
        WriteStrings(json, "c", QuoteConditions);
        json.WriteString("t", ServerMessages.Rfc3339Nano(quote.Timestamp));
        json.WriteString("z", "C");
        json.WriteEndObject();
    }

    private static void WriteTrade(Utf8JsonWriter json, MarketItem trade)
    {
        json.WriteStartObject();
        WriteStrings(json, "c", TradeConditions);
        json.WriteNumber("i", trade.TradeId);
        json.WriteNumber("p", trade.Price);
        json.WriteNumber("s", trade.Size);
        json.WriteString("t", ServerMessages.Rfc3339Nano(trade.Timestamp));
        json.WriteString("x", "V");
        json.WriteString("z", "C");
        json.WriteEndObject();
    }

    private static void WriteBar(Utf8JsonWriter json, string name, MarketItem trade, DateTime start)
    {
        json.WriteStartObject(name);
        json.WriteNumber("c", trade.Price);
        json.WriteNumber("h", trade.Price);
        json.WriteNumber("l", trade.Price);
        json.WriteNumber("n", 1);
        json.WriteNumber("o", trade.Price);
        json.WriteString("t", ServerMessages.Rfc3339Nano(start));
        json.WriteNumber("v", trade.Size);
        json.WriteNumber("vw", trade.Price);
        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, string[] values)
    {
        json.WriteStartArray(name);
        foreach (var value in values) json.WriteStringValue(value);
        json.WriteEndArray();
    }

    private static async Task<int> ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("message", message);
        json.WriteEndObject();
        return status;
    }
}
