using QuoteCluster.Feeds;
using QuoteCluster.Observability;
using QuoteCluster.Quotes;
using QuoteCluster.Threading;

namespace QuoteCluster.Ingest;

/// <summary>
/// Receives quotes from the feed's threads and keeps only the newest per symbol until the ingest pump can hand it to
/// the symbol's grain. A symbol whose delivery is in flight is not handed out again until that delivery ends, so it
/// keeps coalescing meanwhile: an idle path delivers at once, a busy one in bigger steps, and a symbol whose grain hangs
/// holds up no other symbol.
/// </summary>
/// <param name="maxSymbols">
/// Most symbols it takes: with MONITORED_SYMBOLS=* the feed sends the whole market, and the symbols past this bound
/// (MAX_SYMBOLS) are dropped here, counted, rather than each making a grain.
/// </param>
internal sealed class QuoteCoalescer(int maxSymbols = int.MaxValue) : IQuoteSink
{
    /// <summary>Distinct dropped symbols are counted up to this many; past it only their quotes are.</summary>
    private const int MaxDroppedSymbolsCounted = 100_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SymbolSlot> _slots = new(StringComparer.Ordinal);
    private readonly List<string> _symbols = [];
    private string[]? _symbolsSnapshot;
    private readonly HashSet<string> _droppedSymbols = new(StringComparer.Ordinal);
    private long _droppedQuotes;
    private string? _lastDropped;
    private List<SymbolSlot> _ready = [];
    private List<SymbolSlot> _spare = [];
    private readonly SemaphoreSlim _readySignal = new(0, 1);
    private long _received;
    private QuoteTick? _last;

    public long Received => Interlocked.Read(ref _received);

    public QuoteTick? LastQuote
    {
        get
        {
            lock (_gate) return _last;
        }
    }

    /// <summary>Every symbol taken so far, in order of arrival: what the feed has discovered under MONITORED_SYMBOLS=*.</summary>
    /// <remarks>Rebuilt only after a new symbol arrived, so asking often (every API request does) costs no copy.</remarks>
    public IReadOnlyList<string> Symbols
    {
        get
        {
            lock (_gate) return _symbolsSnapshot ??= [.. _symbols];
        }
    }

    /// <summary>What the bound has dropped: quotes, distinct symbols (counted up to 100,000) and the latest of them.</summary>
    public (long Quotes, int Symbols, string? Last) Dropped
    {
        get
        {
            lock (_gate) return (_droppedQuotes, _droppedSymbols.Count, _lastDropped);
        }
    }

    /// <summary>Symbols with a quote waiting or a delivery in flight.</summary>
    public bool HasWork
    {
        get
        {
            lock (_gate) return _ready.Count > 0 || _slots.Values.Any(s => s.InFlight || s.HasPending);
        }
    }

    public void OnQuotes(ReadOnlySpan<QuoteTick> quotes)
    {
        if (quotes.IsEmpty) return;
        bool ready;
        lock (_gate)
        {
            foreach (var quote in quotes)
            {
                Merge(quote, 1);
            }

            _received += quotes.Length;
            _last = quotes[^1];
            ready = _ready.Count > 0;
        }

        if (ready) _readySignal.Wake();
        QuoteClusterMetrics.QuotesReceived.Add(quotes.Length, new KeyValuePair<string, object?>("quote.source", quotes[0].Source));
    }

    /// <summary>
    /// Quotes from the feed's snapshot of each symbol's latest state: merged like live ones, but not counted as received,
    /// and superseded by anything newer the live feed already sent.
    /// </summary>
    public void Prime(IReadOnlyList<QuoteTick> snapshot)
    {
        if (snapshot.Count == 0) return;
        lock (_gate)
        {
            foreach (var quote in snapshot)
            {
                if (_slots.TryGetValue(quote.Symbol, out var slot) && slot.LastDelivered is { } delivered
                    && !QuoteOrdering.Supersedes(quote.ExchangeTime, delivered.ExchangeTime, delivered.ReceivedAt))
                {
                    continue;
                }

                Merge(quote, 0);
            }
        }

        _readySignal.Wake();
    }

    /// <summary>Completes when some symbol has a quote to deliver and no delivery in flight.</summary>
    public Task WaitForReadyAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_ready.Count > 0) return Task.CompletedTask;
        }

        return _readySignal.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Takes ready symbols' newest quotes into <paramref name="into"/>, at most <paramref name="most"/>, longest ready
    /// first, and marks those deliveries in flight. Symbols left behind stay ready, and keep coalescing meanwhile.
    /// </summary>
    public void TakeReady(List<PendingQuote> into, int most = int.MaxValue)
    {
        List<SymbolSlot> taken;
        lock (_gate)
        {
            if (_ready.Count > most)
            {
                for (var i = 0; i < most; i++) Take(_ready[i], into);
                _ready.RemoveRange(0, most);
                return;
            }

            taken = _ready;
            _ready = _spare;
            foreach (var slot in taken) Take(slot, into);
        }

        taken.Clear();
        lock (_gate) _spare = taken;

        static void Take(SymbolSlot slot, List<PendingQuote> into)
        {
            slot.Ready = false;
            slot.InFlight = true;
            slot.HasPending = false;
            into.Add(slot.Pending);
        }
    }

    /// <summary>The grain took <paramref name="delivered"/>; a quote that arrived meanwhile is ready next.</summary>
    public void Delivered(in PendingQuote delivered)
    {
        lock (_gate)
        {
            var slot = _slots[delivered.Latest.Symbol];
            slot.InFlight = false;
            slot.LastDelivered = delivered.Latest;
            if (!MarkReadyIfPending(slot)) return;
        }

        _readySignal.Wake();
    }

    /// <summary>The delivery failed: its quote is pending again, unless something newer arrived meanwhile.</summary>
    public void Failed(in PendingQuote pending)
    {
        lock (_gate)
        {
            var slot = _slots[pending.Latest.Symbol];
            slot.InFlight = false;
            Merge(pending.Latest, pending.Count);
            MarkReadyIfPending(slot);
        }

        _readySignal.Wake();
    }

    /// <summary>
    /// Hands every symbol's last delivered quote out again, unless something newer is waiting: what a grain that died
    /// with its silo (and its held write) gets back. A grain that still holds the quote ignores the duplicate.
    /// </summary>
    public void RedeliverLatest()
    {
        lock (_gate)
        {
            foreach (var slot in _slots.Values)
            {
                if (slot.LastDelivered is { } last) Merge(last, 0);
            }
        }

        _readySignal.Wake();
    }

    private void Merge(in QuoteTick quote, int count)
    {
        if (!_slots.TryGetValue(quote.Symbol, out var slot))
        {
            if (_slots.Count >= maxSymbols)
            {
                _droppedQuotes += Math.Max(count, 1);
                _lastDropped = quote.Symbol;
                if (_droppedSymbols.Count < MaxDroppedSymbolsCounted) _droppedSymbols.Add(quote.Symbol);
                return;
            }

            slot = new SymbolSlot();
            _slots[quote.Symbol] = slot;
            _symbols.Add(quote.Symbol);
            _symbolsSnapshot = null;
        }

        if (!slot.HasPending)
        {
            slot.Pending = new PendingQuote { Latest = quote, Count = count };
            slot.HasPending = true;
        }
        else
        {
            slot.Pending.Count += count;
            var held = slot.Pending.Latest;
            if (QuoteOrdering.Supersedes(quote.ExchangeTime, held.ExchangeTime, held.ReceivedAt))
            {
                // A quote message carries no trade price; keep the one already seen.
                slot.Pending.Latest = quote.WithCarriedLastPrice(held.LastPrice);
            }
        }

        MarkReadyIfPending(slot);
    }

    /// <returns>Whether the slot is now waiting to be taken.</returns>
    private bool MarkReadyIfPending(SymbolSlot slot)
    {
        if (!slot.HasPending || slot.InFlight) return false;
        if (!slot.Ready)
        {
            slot.Ready = true;
            _ready.Add(slot);
        }

        return true;
    }

    private sealed class SymbolSlot
    {
        public PendingQuote Pending;
        public bool HasPending;
        public bool InFlight;
        public bool Ready;
        public QuoteTick? LastDelivered;
    }
}
