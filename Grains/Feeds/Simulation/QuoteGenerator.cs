using QuoteCluster.Quotes;

namespace QuoteCluster.Feeds.Simulation;

/// <summary>Seeded random-walk quotes: the same seed and symbols give the same sequence of prices.</summary>
/// <remarks>
/// Shared by the in-process simulated feed, the Alpaca-protocol simulator and the benchmarks, so it knows nothing of
/// time or delivery: callers stamp the timestamps they need. Not thread-safe; one generator per producer.
/// </remarks>
public sealed class QuoteGenerator
{
    private static readonly Dictionary<string, double> ReferencePrices = new(StringComparer.Ordinal)
    {
        ["SPY"] = 590, ["QQQ"] = 510, ["AAPL"] = 228, ["MSFT"] = 425, ["NVDA"] = 135, ["AMZN"] = 205, ["GOOGL"] = 175,
        ["META"] = 585, ["TSLA"] = 340, ["BRK.B"] = 470, ["JPM"] = 240, ["V"] = 310, ["UNH"] = 590, ["XOM"] = 120,
        ["JNJ"] = 155, ["WMT"] = 90, ["AMD"] = 140, ["NFLX"] = 880, ["DIS"] = 115, ["IWM"] = 235,
    };

    /// <summary>About twenty well-known tickers: the embedded default's symbol set.</summary>
    public static IReadOnlyList<string> WellKnownSymbols { get; } = [.. ReferencePrices.Keys];

    private readonly Random _random;
    private readonly string[] _symbols;
    private readonly double[] _mids;
    private readonly double[] _lastTrades;
    private int _next;

    public QuoteGenerator(IEnumerable<string> symbols, int seed)
    {
        _random = new Random(seed);
        _symbols = [.. symbols];
        if (_symbols.Length == 0) throw new ArgumentException("The generator needs at least one symbol.", nameof(symbols));
        _mids = [.. _symbols.Select(StartingPrice)];
        _lastTrades = [.. _mids];
    }

    public IReadOnlyList<string> Symbols => _symbols;

    /// <summary>Fills <paramref name="destination"/> with the next quotes, visiting symbols round-robin.</summary>
    public void Fill(Span<QuoteTick> destination, DateTimeOffset exchangeTime, DateTimeOffset receivedAt, string source)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = Next(exchangeTime, receivedAt, source);
        }
    }

    public QuoteTick Next(DateTimeOffset exchangeTime, DateTimeOffset receivedAt, string source)
    {
        var index = _next;
        _next = (_next + 1) % _symbols.Length;

        // A geometric random walk of about 2 basis points per step keeps prices positive and plausible.
        var mid = _mids[index] * Math.Exp(0.0002 * NextGaussian());
        _mids[index] = mid;
        var halfSpread = Math.Max(0.005, mid * 0.0001 * (1 + _random.NextDouble()));
        var bid = Math.Round(mid - halfSpread, 2);
        var ask = Math.Max(Math.Round(mid + halfSpread, 2), bid + 0.01);
        if (_random.NextDouble() < 0.3)
        {
            _lastTrades[index] = _random.NextDouble() < 0.5 ? bid : ask;
        }

        return new QuoteTick(
            _symbols[index], bid, Math.Round(ask, 2), _random.NextInt64(1, 20), _random.NextInt64(1, 20),
            _lastTrades[index], exchangeTime, receivedAt, source);
    }

    private double StartingPrice(string symbol) =>
        ReferencePrices.TryGetValue(symbol, out var price) ? price : 20 + _random.NextDouble() * 480;

    private double NextGaussian()
    {
        // Box-Muller: two uniforms give one standard normal.
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
