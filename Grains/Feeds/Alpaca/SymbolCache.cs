using System.Text;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>Turns a symbol's UTF-8 bytes into one shared string, so a busy feed does not allocate a string per quote.</summary>
/// <remarks>
/// Bounded: a server sending endless distinct symbols fills the cache once, after which new symbols are allocated
/// as ordinary strings. Used by one decoding thread at a time.
/// </remarks>
public sealed class SymbolCache(int capacity = 20_000)
{
    private const int MaxCachedLength = 32;

    private readonly Dictionary<string, string> _symbols = new(StringComparer.Ordinal);

    public int Count => _symbols.Count;

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxCachedLength || !Ascii.IsValid(utf8))
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[utf8.Length];
        Ascii.ToUtf16(utf8, chars, out _);
        var lookup = _symbols.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(chars, out var cached)) return cached;

        var symbol = new string(chars);
        if (_symbols.Count < capacity)
        {
            _symbols[symbol] = symbol;
        }

        return symbol;
    }
}
