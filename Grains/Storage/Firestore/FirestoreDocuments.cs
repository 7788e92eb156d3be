using NullValue = Google.Protobuf.WellKnownTypes.NullValue;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using QuoteCluster.Quotes;
using QuoteCluster.Storage.Firestore.Wire;

namespace QuoteCluster.Storage.Firestore;

/// <summary>The quote and heartbeat documents exactly as our users' UIs read them.</summary>
public static class FirestoreDocuments
{
    /// <summary>A whole-document overwrite: a live quote replaces whatever was there.</summary>
    public static Write Quote(string documentName, Quote quote, bool legacyFields)
    {
        var document = new Document { Name = documentName };
        var fields = document.Fields;
        var ts = Timestamp.FromDateTimeOffset(quote.ExchangeTime);
        fields["symbol"] = Text(quote.Symbol);
        fields["bid"] = Number(quote.Bid);
        fields["ask"] = Number(quote.Ask);
        fields["price"] = Number(quote.Price);
        fields["ts"] = new Value { TimestampValue = ts };
        fields["source"] = Text(quote.Source);
        fields["bid_size"] = new Value { IntegerValue = quote.BidSize };
        fields["ask_size"] = new Value { IntegerValue = quote.AskSize };
        if (legacyFields)
        {
            fields["bid_price"] = Number(quote.Bid);
            fields["ask_price"] = Number(quote.Ask);
            fields["last_trade_price"] = quote.LastPrice is { } last ? Number(last) : Null;
            fields["last_update_ts"] = new Value { TimestampValue = ts };
        }

        return new Write { Update = document };
    }

    public static Write Heartbeat(string documentName, Heartbeat heartbeat)
    {
        var document = new Document { Name = documentName };
        var fields = document.Fields;
        fields["ts"] = new Value { TimestampValue = Timestamp.FromDateTimeOffset(heartbeat.Timestamp) };
        fields["status"] = Text(heartbeat.Status);
        fields["last_symbol"] = heartbeat.LastSymbol is null ? Null : Text(heartbeat.LastSymbol);
        fields["dry_run"] = new Value { BooleanValue = heartbeat.DryRun };
        fields["feed"] = Text(heartbeat.Feed);
        fields["feed_state"] = Text(heartbeat.FeedState);
        fields["last_error"] = heartbeat.LastError is null ? Null : Text(heartbeat.LastError);
        fields["quotes_per_sec"] = Number(heartbeat.QuotesPerSecond);
        fields["symbols"] = new Value { IntegerValue = heartbeat.Symbols };
        return new Write { Update = document };
    }

    private static Value Text(string text) => new() { StringValue = text };

    private static Value Number(double number) => new() { DoubleValue = number };

    private static Value Null => new() { NullValue = NullValue.NullValue };
}
