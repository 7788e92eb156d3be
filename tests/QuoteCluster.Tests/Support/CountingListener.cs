using System.Collections.Concurrent;
using QuoteCluster.Api.Live;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Support;

/// <summary>A gateway-side listener that counts the updates of each symbol.</summary>
public sealed class CountingListener : IQuoteListener
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public int Count(string symbol) => _counts.GetValueOrDefault(symbol);

    public void OnQuote(QuoteUpdate update) => _counts.AddOrUpdate(update.Quote.Symbol, 1, (_, n) => n + 1);
}
