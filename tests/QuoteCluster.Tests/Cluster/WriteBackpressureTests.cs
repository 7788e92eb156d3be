using Orleans.TestingHost;
using QuoteCluster.Quotes;
using QuoteCluster.Symbols;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Cluster;

/// <summary>
/// More symbols change than the cluster-wide budget can write: the grains send the writers no more than they can
/// write, and what the writers write is still each symbol's latest quote.
/// </summary>
public sealed class WriteBackpressureTests : IAsyncLifetime
{
    private const int Interval = 200;
    private static readonly IReadOnlyList<string> Symbols = ClusterScenarios.Symbols(20);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly RecordingQuoteStore _store = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        // Twenty symbols each changing every 50 ms want 100 writes a second at this interval; the budget allows 5.
        var options = QuoteClusterTestCluster.Options(
            ("MONITORED_SYMBOLS", "STOPPED"), ("INGEST_AUTOSTART", "0"), ("SIMULATED_QUOTES_PER_SEC", "0.1"),
            ("PER_SYMBOL_MIN_INTERVAL_MS", Interval.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("FLUSH_INTERVAL_MS", "20"),
            ("GLOBAL_WRITES_PER_SEC", "5"), ("GLOBAL_BURST", "5"), ("ORLEANS_DASHBOARD", "0"));
        _cluster = await QuoteClusterTestCluster.StartAsync(1, options, _store);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Each_symbol_sends_its_writer_one_write_per_write_made_and_every_write_is_the_latest_quote()
    {
        var grains = Symbols.ToDictionary(s => s, s => _cluster.Client.GetGrain<ISymbolGrain>(s));
        var bid = 0;
        var appliedAt = new List<DateTimeOffset> { DateTimeOffset.MinValue };
        var quoting = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(4);
        while (DateTimeOffset.UtcNow < quoting)
        {
            bid++;
            var now = DateTimeOffset.UtcNow;
            await Task.WhenAll(Symbols.Select(s => grains[s].ApplyAsync(new Quote(s, bid, bid + 0.02, 1, 1, null, now, now, QuoteSources.Simulated), 1)));
            appliedAt.Add(DateTimeOffset.UtcNow);
            await Task.Delay(50);
        }

        var writes = _store.Writes;
        foreach (var symbol in Symbols)
        {
            // Sending more would only replace what the writer holds: it can write the symbol no sooner.
            var written = writes.Count(w => w.Quote.Symbol == symbol);
            var sent = (await grains[symbol].GetWriteStatsAsync()).WritesSent;
            Assert.True(sent <= written + 1, $"{symbol} sent its writer {sent} writes while the writer wrote it {written} times");
        }

        // A quote that waited for the budget is written as its grain's latest at the moment of writing: none may have
        // been replaced in its grain longer ago than an interval and a flush or two.
        foreach (var write in writes)
        {
            var newer = (int)write.Quote.Bid + 1;
            if (newer > bid) continue;
            var behind = write.At - appliedAt[newer];
            Assert.True(behind < TimeSpan.FromMilliseconds(Interval + 300),
                $"{write.Quote.Symbol} was written with bid {write.Quote.Bid}, {behind.TotalMilliseconds:F0} ms after its grain held bid {newer}");
        }

        // Once the quotes stop, every symbol's last one reaches the store.
        foreach (var symbol in Symbols)
        {
            await Eventually.Until(() => Task.FromResult(_store.LastWritten(symbol)?.Bid), b => b == bid, Wait, $"{symbol}'s last quote in storage");
        }
    }
}
