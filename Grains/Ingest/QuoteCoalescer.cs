using System.Runtime.InteropServices;
using QuoteCluster.Feeds;
using QuoteCluster.Observability;

namespace QuoteCluster.Ingest;

/// <summary>The newest quote of each symbol since the last drain, and how many quotes it stands for.</summary>
internal struct PendingQuote
{
    public QuoteTick Latest;
    public int Count;
}

/// <summary>
/// Receives quotes from the feed's threads and keeps only the newest per symbol, so the ingest path makes one grain
/// call per symbol per batch interval however many quotes arrive.
/// </summary>
internal sealed class QuoteCoalescer : IQuoteSink
{
    private readonly Lock _gate = new();
    private Dictionary<string, PendingQuote> _current = new(StringComparer.Ordinal);
    private Dictionary<string, PendingQuote> _spare = new(StringComparer.Ordinal);
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

    public void OnQuotes(ReadOnlySpan<QuoteTick> quotes)
    {
        if (quotes.IsEmpty) return;
        lock (_gate)
        {
            foreach (var quote in quotes)
            {
                Merge(quote, 1);
            }

            _received += quotes.Length;
            _last = quotes[^1];
        }

        QuoteClusterMetrics.QuotesReceived.Add(quotes.Length, new KeyValuePair<string, object?>("quote.source", quotes[0].Source));
    }

    /// <summary>Takes everything pending; hand the dictionary back through <see cref="Recycle"/> when done with it.</summary>
    public Dictionary<string, PendingQuote> Drain()
    {
        lock (_gate)
        {
            var drained = _current;
            _current = _spare;
            _spare = null!;
            return drained;
        }
    }

    public void Recycle(Dictionary<string, PendingQuote> drained)
    {
        drained.Clear();
        lock (_gate)
        {
            _spare ??= drained;
        }
    }

    /// <summary>Puts back a quote whose delivery failed, unless something newer arrived meanwhile.</summary>
    public void Restore(PendingQuote pending)
    {
        lock (_gate)
        {
            Merge(pending.Latest, pending.Count);
        }
    }

    private void Merge(in QuoteTick quote, int count)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_current, quote.Symbol, out var exists);
        if (!exists)
        {
            slot.Latest = quote;
            slot.Count = count;
            return;
        }

        slot.Count += count;
        var held = slot.Latest;
        if (quote.ExchangeTime >= held.ExchangeTime)
        {
            // A quote message carries no trade price; keep the one already seen in this batch.
            slot.Latest = quote.WithCarriedLastPrice(held.LastPrice);
        }
    }
}
