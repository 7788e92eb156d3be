using QuoteCluster.Symbols;

namespace QuoteCluster.Tests.Support;

/// <summary>
/// Holds every quote delivery to a SymbolGrain for a while, as a loaded silo does, and records how many were in
/// flight at once; deliveries to the symbols told to hang are held much longer, as on a silo that stopped answering.
/// </summary>
public sealed class ApplyConcurrency(TimeSpan hold) : IIncomingGrainCallFilter
{
    private volatile HashSet<string> _hanging = [];
    private TimeSpan _hangFor;
    private int _inFlight;
    private int _most;
    private long _calls;

    public int MostAtOnce => Volatile.Read(ref _most);

    public long Calls => Interlocked.Read(ref _calls);

    public void Hang(IEnumerable<string> symbols, TimeSpan hangFor)
    {
        _hangFor = hangFor;
        _hanging = [.. symbols];
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType != typeof(ISymbolGrain) || context.InterfaceMethod.Name != nameof(ISymbolGrain.ApplyAsync))
        {
            await context.Invoke();
            return;
        }

        var now = Interlocked.Increment(ref _inFlight);
        Interlocked.Increment(ref _calls);
        for (var most = Volatile.Read(ref _most); now > most; most = Volatile.Read(ref _most))
        {
            if (Interlocked.CompareExchange(ref _most, now, most) == most) break;
        }

        try
        {
            await Task.Delay(_hanging.Contains(context.TargetId.Key.ToString()!) ? _hangFor : hold);
            await context.Invoke();
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
