using System.Collections.Concurrent;
using QuoteCluster.Symbols;

namespace QuoteCluster.Tests.Support;

/// <summary>Counts the reads of each SymbolGrain's latest quote, as the grains receive them.</summary>
public sealed class SymbolReads : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public int Total => _counts.Values.Sum();

    public int Of(string symbol) => _counts.GetValueOrDefault(symbol);

    /// <summary>The reads of each symbol since <paramref name="before"/> was taken.</summary>
    public Dictionary<string, int> Since(IReadOnlyDictionary<string, int> before) =>
        _counts.ToDictionary(c => c.Key, c => c.Value - before.GetValueOrDefault(c.Key), StringComparer.Ordinal);

    public Dictionary<string, int> Snapshot() => new(_counts, StringComparer.Ordinal);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType == typeof(ISymbolGrain) && context.InterfaceMethod.Name == nameof(ISymbolGrain.GetLatestAsync))
        {
            _counts.AddOrUpdate(context.TargetId.Key.ToString()!, 1, (_, n) => n + 1);
        }

        return context.Invoke();
    }
}
