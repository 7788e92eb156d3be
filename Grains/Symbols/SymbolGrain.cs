using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using QuoteCluster.Configuration;
using QuoteCluster.Logging;
using QuoteCluster.Observability;
using QuoteCluster.Quotes;
using QuoteCluster.Streams;

namespace QuoteCluster.Symbols;

/// <summary>
/// Holds one symbol's latest quote, publishes each accepted update to the live stream, and sends it on to storage at
/// most once per PER_SYMBOL_MIN_INTERVAL_MS, always on the trailing edge.
/// </summary>
/// <remarks>
/// Like Chirper's account grain it keeps one outstanding write and folds later changes into it. Its clock is the
/// injected TimeProvider, so the throttle is tested on fake time.
/// Placed at random, so the tickers spread over the silos: the default (resource-optimized) placement, and even
/// activation-count placement, kept choosing the calling silo and put every symbol beside the ingest grain.
/// </remarks>
[Orleans.Placement.RandomPlacement]
public sealed class SymbolGrain(
    QuoteClusterOptions options,
    [FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time,
    ILogger<SymbolGrain> logger) : Grain, ISymbolGrain
{
    private string _symbol = "";
    private IAsyncStream<QuoteUpdate> _live = null!;
    private IAsyncStream<QuoteUpdate> _writes = null!;
    private WriteThrottle _throttle = null!;
    private ITimer? _trailingWrite;
    private QuoteUpdate? _latest;
    private long _quotesIn;
    private long _updates;
    private long _staleDropped;
    private long _writesSent;
    private long _storedVersion;
    private DateTimeOffset _lastSentAt;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        _symbol = Symbol.Normalize(key);
        if (_symbol != key)
        {
            throw new InvalidSymbolException($"SymbolGrain keys are normalized symbols; use '{_symbol}', not '{key}'.");
        }

        var streams = this.GetStreamProvider(QuoteStreams.Provider);
        _live = streams.GetStream<QuoteUpdate>(QuoteStreams.Live(_symbol));
        _writes = streams.GetStream<QuoteUpdate>(QuoteStreams.Writes(QuoteStreams.WriterPartition(_symbol, options.WriterPartitions)));
        _throttle = new WriteThrottle(options.PerSymbolMinInterval);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _trailingWrite?.Dispose();
        if (_throttle.Pending)
        {
            // Best effort: the write would otherwise wait for the next quote of this symbol.
            await SendWriteAsync().WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
    }

    public async Task ApplyAsync(Quote quote, int quotesInBatch)
    {
        _quotesIn += quotesInBatch;
        if (quote.Symbol != _symbol)
        {
            throw new ArgumentException($"Quote for '{quote.Symbol}' sent to the grain of '{_symbol}'.", nameof(quote));
        }

        if (_latest is { } held)
        {
            if (quote.ExchangeTime < held.Quote.ExchangeTime)
            {
                _staleDropped += quotesInBatch;
                return;
            }

            quote = quote.WithCarriedLastPrice(held.Quote.LastPrice);
        }

        var version = Math.Max((_latest?.Version ?? 0) + 1, quote.ReceivedAt.UtcTicks);
        _latest = new QuoteUpdate(quote, version);
        _updates++;
        if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.Quote(logger, _symbol, quote.Bid, quote.Ask, quote.Price, quotesInBatch);
        }

        await _live.OnNextAsync(_latest);
        QuoteClusterMetrics.StreamEventsPublished.Add(1);
        await ScheduleWriteAsync();
    }

    public Task<QuoteUpdate?> GetLatestAsync() => Task.FromResult(_latest);

    public Task ConfirmStoredAsync(long version)
    {
        _storedVersion = Math.Max(_storedVersion, version);
        return Task.CompletedTask;
    }

    public async Task EnsureStoredAsync()
    {
        if (_latest is null || _storedVersion >= _latest.Version || _throttle.Pending) return;
        if (time.GetUtcNow() - _lastSentAt < options.StorageResendAfter) return;
        Log.StorageResend(logger, _symbol, _latest.Version);
        await ScheduleWriteAsync();
    }

    public async Task FlushPendingWriteAsync()
    {
        if (_throttle.Pending)
        {
            await SendWriteAsync();
        }
    }

    public Task<SymbolWriteStats> GetWriteStatsAsync() =>
        Task.FromResult(new SymbolWriteStats(_quotesIn, _updates, _staleDropped, _writesSent, _storedVersion, _throttle.Pending));

    private async Task ScheduleWriteAsync()
    {
        var due = _throttle.OnChange(time.GetUtcNow());
        if (due == TimeSpan.Zero)
        {
            await SendWriteAsync();
        }
        else if (_trailingWrite is null)
        {
            // The timer fires on the thread pool; calling back through the grain reference puts the write into a
            // grain turn of its own.
            var self = this.AsReference<ISymbolGrain>();
            _trailingWrite = time.CreateTimer(_ => _ = self.FlushPendingWriteAsync(), null, due, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task SendWriteAsync()
    {
        _trailingWrite?.Dispose();
        _trailingWrite = null;
        if (_latest is null) return;
        await _writes.OnNextAsync(_latest);
        _throttle.OnWritten(time.GetUtcNow());
        _lastSentAt = time.GetUtcNow();
        _writesSent++;
    }
}
