using Microsoft.Extensions.Logging;
using QuoteCluster.Logging;
using QuoteCluster.Quotes;

namespace QuoteCluster.Storage;

/// <summary>DRY_RUN=1: every write is logged as a `firestore_write` event with dry_run=true, and nothing is written.</summary>
public sealed class DryRunQuoteStore(DocumentPaths paths, ILogger<DryRunQuoteStore> logger) : IQuoteStore
{
    public bool IsDryRun => true;

    public StoreHealth Health => StoreHealth.Ok;

    public Task WriteQuotesAsync(IReadOnlyList<Quote> quotes, CancellationToken cancellationToken)
    {
        foreach (var quote in quotes)
        {
            Log.FirestoreWrite(logger, "would write", paths.Quote(quote.Symbol), quote.Symbol, quote.Bid, quote.Ask, quote.Price, quote.ExchangeTime, quote.Source, dry_run: true);
        }

        return Task.CompletedTask;
    }

    public Task WriteHeartbeatAsync(Heartbeat heartbeat, CancellationToken cancellationToken)
    {
        Log.Heartbeat(logger, paths.Heartbeat, heartbeat.Status, heartbeat.LastSymbol, heartbeat.DryRun, heartbeat.FeedState,
            heartbeat.QuotesPerSecond, heartbeat.Symbols, heartbeat.LastError);
        return Task.CompletedTask;
    }
}
