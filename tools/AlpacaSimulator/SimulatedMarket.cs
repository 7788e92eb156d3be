using QuoteCluster.Feeds.Simulation;

namespace QuoteCluster.AlpacaSimulator;

/// <summary>The market one session sees: the built-in quote generator over its subscribed symbols, quotes and trades.</summary>
/// <remarks>What it sends is recorded in <paramref name="latest"/>, which the REST API answers from.</remarks>
internal sealed class SimulatedMarket(SimulatorOptions options, int sessionId, LatestMarketData latest)
{
    // At the unlimited rate the same few messages are sent in turn: encoding would otherwise be what is measured.
    private const int PrebuiltMessages = 64;

    private readonly Random _random = new(options.Seed + sessionId);
    private QuoteGenerator? _generator;
    private HashSet<string> _quotes = [];
    private HashSet<string> _trades = [];
    private MarketItem[] _items = new MarketItem[options.FrameSize];
    private byte[][] _prebuilt = [];
    private long _next;
    private long _tradeId;

    public bool IsEmpty => _generator is null;

    public void Subscribe(IReadOnlySet<string> quotes, IReadOnlySet<string> trades)
    {
        _quotes = Expand(quotes);
        _trades = Expand(trades);
        _quotes.RemoveWhere(s => !latest.IsListed(s));
        _trades.RemoveWhere(s => !latest.IsListed(s));
        var symbols = _quotes.Union(_trades).Order(StringComparer.Ordinal).ToList();
        _generator = symbols.Count == 0 ? null : new QuoteGenerator(symbols, options.Seed);
        _prebuilt = [];
    }

    public byte[] NextMessage(ServerMessages messages, int items)
    {
        if (options.Rate > 0) return Generate(messages, items);
        if (_prebuilt.Length == 0)
        {
            _prebuilt = [.. Enumerable.Range(0, PrebuiltMessages).Select(_ => Generate(messages, items))];
        }

        return _prebuilt[_next++ % _prebuilt.Length];
    }

    private byte[] Generate(ServerMessages messages, int count)
    {
        if (_items.Length < count) _items = new MarketItem[count];
        var now = DateTime.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var quote = _generator!.Next(now, now, "alpaca");
            var trade = !_quotes.Contains(quote.Symbol) || (_trades.Contains(quote.Symbol) && _random.NextDouble() < options.TradeRatio);
            _items[i] = trade
                ? new MarketItem(true, quote.Symbol, 0, 0, 0, 0, quote.LastPrice ?? quote.Mid, _random.NextInt64(1, 500), ++_tradeId, now)
                : new MarketItem(false, quote.Symbol, quote.Bid, quote.BidSize, quote.Ask, quote.AskSize, 0, 0, 0, now);
        }

        latest.Record(_items.AsSpan(0, count));
        return messages.Data(_items.AsSpan(0, count));
    }

    /// <summary>`*` is the whole market: <see cref="SimulatorOptions.Universe"/> symbols (--universe), or the well-known tickers.</summary>
    private HashSet<string> Expand(IReadOnlySet<string> symbols) =>
        symbols.Contains("*") ? [.. QuoteGenerator.Universe(options.Universe), .. symbols.Where(s => s != "*")] : [.. symbols];
}
