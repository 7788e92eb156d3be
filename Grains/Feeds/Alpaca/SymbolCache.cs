using System.Text;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>
/// Turns a symbol's UTF-8 bytes into one shared string and a small dense id, so a busy feed allocates no string per
/// quote and the client finds a symbol's state by index instead of hashing the string again.
/// </summary>
/// <remarks>
/// Bounded: a server sending endless distinct symbols fills the cache once, after which new symbols are allocated
/// as ordinary strings with no id. Used by one decoding thread at a time.
/// </remarks>
public sealed class SymbolCache(int capacity = 20_000)
{
    public const int NoId = -1;
    private const int MaxCachedLength = 32;

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    public int Count => _ids.Count;

    public string Get(ReadOnlySpan<byte> utf8) => Get(utf8, out _);

    public string Get(ReadOnlySpan<byte> utf8, out int id)
    {
        id = NoId;
        if (utf8.Length > MaxCachedLength || !Ascii.IsValid(utf8))
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[utf8.Length];
        Ascii.ToUtf16(utf8, chars, out _);
        var lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(chars, out var cached, out id)) return cached;

        var symbol = new string(chars);
        if (_ids.Count < capacity)
        {
            id = _ids.Count;
            _ids[symbol] = id;
        }

        return symbol;
    }
}
