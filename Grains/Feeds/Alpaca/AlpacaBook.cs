using QuoteCluster.Quotes;
using QuoteCluster.Symbols;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>
/// What the stream has told us of each wanted symbol, its last bid and ask and its last trade, merged into the
/// <see cref="QuoteTick"/>s the feed hands over: one per quote, and one per trade once the symbol has had a quote.
/// </summary>
/// <remarks>
/// Alpaca sends bid and ask in quote messages and the price in trade messages; a tick needs both. The two are separate
/// channels, so a trade can arrive after a quote stamped later than it, and the other way round. A tick shows the book as
/// it now stands, so it is stamped with the newest time of what the book has merged for the symbol, never with an older
/// event's own: the ingest path keeps the newest tick per symbol by exchange time, and a tick stamped back in time would
/// be dropped there, losing the trade price or the bid and ask it brought.
/// Lives as long as the client, across reconnects, because its ids are the client's <see cref="SymbolCache"/> ids. Used
/// by one thread at a time (the receive loop).
/// </remarks>
internal sealed class AlpacaBook
{
    // By symbol-cache id; by name for the rare symbol the cache gave no id.
    private readonly List<Entry> _byId = [];
    private readonly Dictionary<string, Entry> _byName = new(StringComparer.Ordinal);
    private QuoteTick[] _ticks = new QuoteTick[128];

    private const int MaxNamedEntries = 100_000;

    /// <summary>Merges a frame's events; returns the ticks they made, valid until the next call.</summary>
    /// <param name="wanted">The symbols to keep; read again only when <paramref name="wantedVersion"/> changes.</param>
    /// <param name="quotes">How many quotes of wanted symbols were merged.</param>
    /// <param name="trades">How many trades of wanted symbols were merged, with or without a tick.</param>
    public ReadOnlySpan<QuoteTick> Merge(ReadOnlySpan<AlpacaMarketEvent> events, IReadOnlySet<string> wanted, int wantedVersion,
        DateTimeOffset receivedAt, out int quotes, out int trades)
    {
        if (_ticks.Length < events.Length) _ticks = new QuoteTick[Math.Max(events.Length, _ticks.Length * 2)];
        var count = 0;
        quotes = 0;
        trades = 0;
        foreach (ref readonly var item in events)
        {
            var entry = EntryFor(item, wanted);

            // Messages in flight when a symbol was unsubscribed still arrive; they are not ours to track any more.
            if (entry.WantedVersion != wantedVersion)
            {
                entry.Wanted = Wants(wanted, item.Symbol);
                entry.WantedVersion = wantedVersion;
            }

            if (!entry.Wanted) continue;

            // The shared rule of what "newer" means: a time far in the future (a bad timestamp) does not stick.
            if (QuoteOrdering.Supersedes(item.Timestamp, entry.AsOf, receivedAt)) entry.AsOf = item.Timestamp;
            QuoteTick tick;
            if (item.Kind == AlpacaEventKind.Quote)
            {
                quotes++;
                entry.Bid = item.BidPrice;
                entry.Ask = item.AskPrice;
                entry.BidSize = item.BidSize;
                entry.AskSize = item.AskSize;
                entry.HasQuote = true;
                tick = new QuoteTick(item.Symbol, item.BidPrice, item.AskPrice, item.BidSize, item.AskSize, LastPrice: null,
                    entry.AsOf, receivedAt, QuoteSources.Alpaca).WithCarriedLastPrice(entry.LastTrade);
            }
            else
            {
                trades++;
                entry.LastTrade = item.Price;

                // A trade before any quote has no bid and ask to show; its price rides on the first quote.
                if (!entry.HasQuote) continue;
                tick = new QuoteTick(item.Symbol, entry.Bid, entry.Ask, entry.BidSize, entry.AskSize, item.Price,
                    entry.AsOf, receivedAt, QuoteSources.Alpaca);
            }

            _ticks[count++] = tick;
        }

        return _ticks.AsSpan(0, count);
    }

    private Entry EntryFor(in AlpacaMarketEvent item, IReadOnlySet<string> wanted)
    {
        if (item.SymbolId == SymbolCache.NoId)
        {
            if (!_byName.TryGetValue(item.Symbol, out var named))
            {
                // Symbols past the cache's capacity: kept only while wanted, so a flood of strange names cannot grow this;
                // with the wildcard every name is wanted, so a bound stands in (the ingest grain's MAX_SYMBOLS is lower).
                named = new Entry { WantedVersion = -1 };
                if (wanted.Contains(item.Symbol) || (wanted.Contains(Symbol.Wildcard) && _byName.Count < MaxNamedEntries)) _byName[item.Symbol] = named;
            }

            return named;
        }

        while (_byId.Count <= item.SymbolId) _byId.Add(new Entry { WantedVersion = -1 });
        return _byId[item.SymbolId];
    }

    /// <summary>With <see cref="Symbol.Wildcard"/> (MONITORED_SYMBOLS=*) every symbol is wanted: the ingest grain bounds how many.</summary>
    private static bool Wants(IReadOnlySet<string> wanted, string symbol) => wanted.Contains(symbol) || wanted.Contains(Symbol.Wildcard);

    private sealed class Entry
    {
        public double Bid;
        public double Ask;
        public long BidSize;
        public long AskSize;
        public double? LastTrade;

        /// <summary>The newest exchange time among the quotes and trades merged: every tick's time.</summary>
        public DateTimeOffset AsOf = DateTimeOffset.MinValue;
        public bool HasQuote;
        public bool Wanted;
        public int WantedVersion;
    }
}
