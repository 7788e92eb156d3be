using System.Collections.Concurrent;
using QuoteCluster.Api.Live;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Support;

/// <summary>A gateway-side listener that keeps the latest version per symbol and checks that versions only grow.</summary>
public sealed class RecordingListener : IQuoteListener
{
    private readonly ConcurrentDictionary<string, long> _latest = new(StringComparer.Ordinal);
    private int _outOfOrder;

    public IReadOnlyDictionary<string, long> Latest => _latest;

    public int OutOfOrder => _outOfOrder;

    public void OnQuote(QuoteUpdate update)
    {
        var symbol = update.Quote.Symbol;
        if (_latest.TryGetValue(symbol, out var held) && held >= update.Version)
        {
            Interlocked.Increment(ref _outOfOrder);
        }

        _latest[symbol] = update.Version;
    }
}
