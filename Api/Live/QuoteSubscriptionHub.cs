using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using QuoteCluster.Configuration;
using QuoteCluster.Logging;
using QuoteCluster.Observability;
using QuoteCluster.Quotes;
using QuoteCluster.Streams;
using QuoteCluster.Symbols;

namespace QuoteCluster.Api.Live;

/// <summary>
/// A gateway's single subscription per symbol, fanned out to its own listeners, and healed: every resync interval
/// each symbol is compared with its SymbolGrain, and a subscription that failed or missed an update is re-made and
/// the listeners re-synced from the grain's latest quote.
/// </summary>
/// <remarks>
/// Memory streams can lose events and go silent without an error when a silo dies (docs/orleans-behaviours.md), so the
/// snapshot comparison, not the stream, is what guarantees every listener converges on the latest value.
/// </remarks>
public sealed class QuoteSubscriptionHub(
    IClusterClient client,
    QuoteClusterOptions options,
    [FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time,
    ILogger<QuoteSubscriptionHub> logger) : BackgroundService
{
    /// <summary>How old a missed update must be before the stream is called silent rather than merely in flight.</summary>
    public static TimeSpan SilenceGrace { get; } = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, SymbolSubscription> _symbols = new(StringComparer.Ordinal);
    private readonly IClusterClient _client = client;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;

    public int SymbolCount => _symbols.Count;

    /// <summary>Adds a listener for <paramref name="symbol"/>; it first receives the latest quote, if there is one.</summary>
    public async Task<IAsyncDisposable> SubscribeAsync(string symbol, IQuoteListener listener, CancellationToken cancellationToken = default)
    {
        symbol = Symbol.Normalize(symbol);
        var subscription = _symbols.GetOrAdd(symbol, s => new SymbolSubscription(s, this));
        await subscription.AddAsync(listener, cancellationToken);
        return new Registration(subscription, listener);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.LiveResyncInterval, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await ResyncAllAsync(stoppingToken);
        }
    }

    /// <summary>One healing pass over every symbol; the background loop runs it every LIVE_RESYNC_INTERVAL_S.</summary>
    public Task ResyncAllAsync(CancellationToken cancellationToken = default) =>
        Task.WhenAll(_symbols.Values.Select(s => s.ResyncAsync(cancellationToken)));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await Task.WhenAll(_symbols.Values.Select(s => s.UnsubscribeAsync()));
    }

    private sealed class Registration(SymbolSubscription subscription, IQuoteListener listener) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) subscription.Remove(listener);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class SymbolSubscription(string symbol, QuoteSubscriptionHub hub)
    {
        private readonly Lock _gate = new();
        private readonly SemaphoreSlim _subscribing = new(1, 1);
        private IQuoteListener[] _listeners = [];
        private StreamSubscriptionHandle<QuoteUpdate>? _handle;
        private volatile bool _broken;
        private QuoteUpdate? _latest;

        public QuoteUpdate? Latest => Volatile.Read(ref _latest);

        public async Task AddAsync(IQuoteListener listener, CancellationToken cancellationToken)
        {
            // The snapshot goes out under the lock Deliver takes, so an update that arrives meanwhile follows it and
            // is newer: delivered after joining, an older snapshot could overtake an update the listener already had.
            QuoteUpdate? snapshot;
            lock (_gate)
            {
                _listeners = [.. _listeners, listener];
                snapshot = _latest;
                if (snapshot is not null) listener.OnQuote(snapshot);
            }

            await EnsureSubscribedAsync(cancellationToken);
            if (snapshot is null)
            {
                await ResyncAsync(cancellationToken);
            }
        }

        public void Remove(IQuoteListener listener)
        {
            // The subscription stays while the symbol is served at all; an idle one costs one stream subscription.
            lock (_gate)
            {
                _listeners = [.. _listeners.Where(l => !ReferenceEquals(l, listener))];
            }
        }

        public async Task ResyncAsync(CancellationToken cancellationToken)
        {
            QuoteUpdate? snapshot;
            try
            {
                snapshot = await hub._client.GetGrain<ISymbolGrain>(symbol).GetLatestAsync().WaitAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.LiveSubscriptionFailed(hub._logger, e, symbol);
                return;
            }

            var missed = snapshot is not null && snapshot.Version > (Latest?.Version ?? 0)
                && hub._time.GetUtcNow() - snapshot.Quote.ReceivedAt > SilenceGrace;
            if (_broken || missed)
            {
                await ResubscribeAsync(cancellationToken);
                Log.LiveResubscribed(hub._logger, symbol, snapshot?.Version ?? 0);
            }

            if (snapshot is not null)
            {
                Deliver(snapshot);
            }
        }

        public async Task UnsubscribeAsync()
        {
            var handle = Interlocked.Exchange(ref _handle, null);
            if (handle is not null)
            {
                await handle.UnsubscribeAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        private async Task EnsureSubscribedAsync(CancellationToken cancellationToken)
        {
            if (_handle is not null && !_broken) return;
            await ResubscribeAsync(cancellationToken);
        }

        private async Task ResubscribeAsync(CancellationToken cancellationToken)
        {
            await _subscribing.WaitAsync(cancellationToken);
            try
            {
                await UnsubscribeAsync();
                var stream = hub._client.GetStreamProvider(QuoteStreams.Provider).GetStream<QuoteUpdate>(QuoteStreams.Live(symbol));
                _handle = await stream.SubscribeAsync(
                    (update, _) =>
                    {
                        Deliver(update);
                        return Task.CompletedTask;
                    },
                    error =>
                    {
                        _broken = true;
                        Log.LiveSubscriptionFailed(hub._logger, error, symbol);
                        return Task.CompletedTask;
                    });
                _broken = false;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _broken = true;
                Log.LiveSubscriptionFailed(hub._logger, e, symbol);
            }
            finally
            {
                _subscribing.Release();
            }
        }

        private void Deliver(QuoteUpdate update)
        {
            // Listeners are called under the lock so that each sees versions in order; they must not block.
            lock (_gate)
            {
                if (_latest is not null && update.Version <= _latest.Version) return;
                _latest = update;
                QuoteClusterMetrics.StreamEventsReceived.Add(1);
                QuoteClusterMetrics.QuoteLatency.Record(Math.Max(0, (hub._time.GetUtcNow() - update.Quote.ReceivedAt).TotalSeconds));
                foreach (var listener in _listeners)
                {
                    listener.OnQuote(update);
                }
            }
        }
    }
}
