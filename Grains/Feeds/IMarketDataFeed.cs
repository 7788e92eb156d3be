using QuoteCluster.Ingest;
using QuoteCluster.Quotes;

namespace QuoteCluster.Feeds;

/// <summary>Where a feed delivers quotes. Called from the feed's own threads, many quotes at a time.</summary>
public interface IQuoteSink
{
    void OnQuotes(ReadOnlySpan<QuoteTick> quotes);
}

/// <summary>A market-data connection owned by the ingest grain: Alpaca's stream, or the in-process simulator (MARKET_FEED).</summary>
public interface IMarketDataFeed : IAsyncDisposable
{
    /// <summary>Written to storage as each quote's `source`.</summary>
    string Name { get; }

    FeedHealth Health { get; }

    /// <summary>Starts delivering quotes for <paramref name="symbols"/>; returns once the feed runs on its own.</summary>
    Task StartAsync(IQuoteSink sink, IReadOnlyCollection<string> symbols, CancellationToken cancellationToken);

    /// <summary>Replaces the wanted set; the feed keeps it across reconnects.</summary>
    Task SetSymbolsAsync(IReadOnlyCollection<string> symbols, CancellationToken cancellationToken);

    /// <summary>
    /// The market's latest quote of each of <paramref name="symbols"/> that has one, with its last trade price as
    /// <see cref="QuoteTick.LastPrice"/> when it has traded: what fills a screen before the first live tick. Symbols
    /// without data (no quote yet, unknown to the market) are left out.
    /// </summary>
    /// <remarks>
    /// Works whether or not the feed has started and whether or not the symbols are wanted. Each tick's
    /// <see cref="QuoteTick.ExchangeTime"/> is the newer of its quote's and its trade's, so live ticks that follow it
    /// are newer. Never throws for the market's failures (those are logged, and the symbols they cover left out), only
    /// for <paramref name="cancellationToken"/>.
    /// </remarks>
    Task<IReadOnlyList<QuoteTick>> SnapshotAsync(IReadOnlyCollection<string> symbols, CancellationToken cancellationToken);

    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>A feed's own account of its connection.</summary>
public sealed record FeedHealth(FeedState State, bool Connected, string? LastError)
{
    public static FeedHealth Starting { get; } = new(FeedState.Starting, false, null);
}

/// <summary>Creates the configured feed; the ingest grain makes a new one each time it activates.</summary>
public interface IMarketDataFeedFactory
{
    IMarketDataFeed Create();
}
