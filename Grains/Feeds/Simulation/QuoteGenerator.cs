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

    /// <summary>
    /// A market of <paramref name="size"/> symbols, the same for every caller: the well-known tickers first, then made-up
    /// four-letter ones (AAAA, AAAB, ...), of which there are about 450,000. 0 or less: the well-known tickers.
    /// </summary>
    public static IReadOnlyList<string> Universe(int size)
    {
        if (size <= 0) return WellKnownSymbols;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 400_000);
        var symbols = new List<string>(size);
        symbols.AddRange(WellKnownSymbols.Take(size));
        Span<char> name = stackalloc char[4];
        for (var i = 0; symbols.Count < size; i++)
        {
            var n = i;
            for (var k = name.Length - 1; k >= 0; k--)
            {
                name[k] = (char)('A' + n % 26);
                n /= 26;
            }

            var symbol = new string(name);
            if (!ReferencePrices.ContainsKey(symbol)) symbols.Add(symbol);
        }

        return symbols;
    }

    private readonly Random _random;
    private readonly int _seed;
    private readonly string[] _symbols;
    private readonly Dictionary<string, int> _indexes;
    private readonly double[] _mids;
    private readonly double[] _lastTrades;
    private readonly QuoteTick?[] _latest;
    private int _next;

    public QuoteGenerator(IEnumerable<string> symbols, int seed)
    {
        _random = new Random(seed);
        _seed = seed;
        _symbols = [.. symbols];
        if (_symbols.Length == 0) throw new ArgumentException("The generator needs at least one symbol.", nameof(symbols));
        _indexes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _symbols.Length; i++) _indexes.TryAdd(_symbols[i], i);
        _mids = [.. _symbols.Select(s => StartingPrice(s, seed))];
        _lastTrades = [.. _mids];
        _latest = new QuoteTick?[_symbols.Length];
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

        var quote = new QuoteTick(
            _symbols[index], bid, Math.Round(ask, 2), _random.NextInt64(1, 20), _random.NextInt64(1, 20),
            _lastTrades[index], exchangeTime, receivedAt, source);
        _latest[index] = quote;
        return quote;
    }

    /// <summary>
    /// The last quote made for <paramref name="symbol"/>, received <paramref name="now"/>; before its first, or for a
    /// symbol outside this generator, the quote the walk starts from. Takes no step: what a snapshot of this market shows.
    /// </summary>
    public QuoteTick Latest(string symbol, DateTimeOffset now, string source) =>
        _indexes.TryGetValue(symbol, out var index) && _latest[index] is { } latest ? latest with { ReceivedAt = now, Source = source }
        : Opening(symbol, _seed, now, source);

    /// <summary>The quote a walk with <paramref name="seed"/> starts <paramref name="symbol"/> from: a cent either side of its starting price.</summary>
    public static QuoteTick Opening(string symbol, int seed, DateTimeOffset now, string source)
    {
        var mid = StartingPrice(symbol, seed);
        var bid = Math.Round(mid - 0.01, 2);
        return new QuoteTick(symbol, bid, Math.Round(bid + 0.02, 2), 1, 1, Math.Round(mid, 2), now, now, source);
    }

    /// <summary>
    /// A well-known ticker's reference price; any other symbol's depends only on the symbol and the seed, so every
    /// generator, and a snapshot taken before any generator has the symbol, starts it at the same price.
    /// </summary>
    private static double StartingPrice(string symbol, int seed)
    {
        if (ReferencePrices.TryGetValue(symbol, out var price)) return price;

        // FNV-1a over the symbol and the seed: stable across processes, where string.GetHashCode is not.
        var hash = 2166136261u ^ (uint)seed;
        foreach (var c in symbol) hash = (hash ^ c) * 16777619u;
        return 20 + hash / (double)uint.MaxValue * 480;
    }

    private double NextGaussian()
    {
        // Box-Muller: two uniforms give one standard normal.
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
