using QuoteCluster.Ingest;
using QuoteCluster.Quotes;
using QuoteCluster.Symbols;

namespace QuoteCluster.Feeds.Simulation;

/// <summary>The built-in market: generated quotes for the wanted symbols at a steady rate, with no network.</summary>
/// <param name="universe">
/// The market's size, what <see cref="Symbol.Wildcard"/> stands for (<see cref="QuoteGenerator.Universe"/>); 0: the
/// well-known tickers.
/// </param>
public sealed class SimulatedMarketFeed(double quotesPerSecond, int seed, TimeProvider time, int universe = 0) : IMarketDataFeed
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    private const int MaxBatch = 4096;

    private readonly Lock _gate = new();
    private QuoteGenerator? _generator;
    private CancellationTokenSource? _stop;
    private Task _loop = Task.CompletedTask;
    private volatile FeedHealth _health = FeedHealth.Starting;

    public string Name => QuoteSources.Simulated;

    public FeedHealth Health => _health;

    public Task StartAsync(IQuoteSink sink, IReadOnlyCollection<string> symbols, CancellationToken cancellationToken)
    {
        ReplaceGenerator(symbols);
        _stop = new CancellationTokenSource();
        _health = new FeedHealth(FeedState.Live, true, null);
        _loop = Task.Run(() => RunAsync(sink, _stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task SetSymbolsAsync(IReadOnlyCollection<string> symbols, CancellationToken cancellationToken)
    {
        ReplaceGenerator(symbols);
        return Task.CompletedTask;
    }

    /// <summary>Every symbol has data here: the walk's latest quote, or the one it would start a new symbol from.</summary>
    public Task<IReadOnlyList<QuoteTick>> SnapshotAsync(IReadOnlyCollection<string> symbols, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var generator = _generator;
            IReadOnlyList<QuoteTick> ticks =
            [
                .. symbols.Select(s => generator?.Latest(s, now, Name) ?? QuoteGenerator.Opening(s, seed, now, Name)),
            ];
            return Task.FromResult(ticks);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop is null) return;
        await _stop.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _health = new FeedHealth(FeedState.Stopped, false, null);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stop?.Dispose();
    }

    private void ReplaceGenerator(IReadOnlyCollection<string> symbols)
    {
        lock (_gate)
        {
            // Reseeding per symbol set keeps runs with the same configuration reproducible.
            var market = symbols.Contains(Symbol.Wildcard) ? QuoteGenerator.Universe(universe) : symbols;
            _generator = market.Count == 0 ? null : new QuoteGenerator(market, seed);
        }
    }

    private async Task RunAsync(IQuoteSink sink, CancellationToken cancellationToken)
    {
        var buffer = new QuoteTick[MaxBatch];
        var started = time.GetTimestamp();
        long emitted = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Tick, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Pace by elapsed time rather than by ticks, so a late tick catches up instead of slowing the rate.
            var owed = (long)(time.GetElapsedTime(started).TotalSeconds * quotesPerSecond) - emitted;
            while (owed > 0 && !cancellationToken.IsCancellationRequested)
            {
                var count = (int)Math.Min(owed, MaxBatch);
                var now = time.GetUtcNow();
                lock (_gate)
                {
                    // With no symbols nothing is owed: the rate resumes, without a burst, when symbols return.
                    count = _generator is null ? 0 : count;
                    _generator?.Fill(buffer.AsSpan(0, count), now, now, Name);
                }

                if (count == 0)
                {
                    emitted += owed;
                    break;
                }

                sink.OnQuotes(buffer.AsSpan(0, count));
                emitted += count;
                owed -= count;
            }
        }
    }
}
