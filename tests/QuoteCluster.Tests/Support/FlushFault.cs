namespace QuoteCluster.Tests.Support;

/// <summary>
/// While switched on, calls that ask the named SymbolGrains to send their pending write fail before reaching them, as
/// calls to a grain on a dying silo do. Nothing else is touched.
/// </summary>
public sealed class FlushFault : IIncomingGrainCallFilter
{
    private volatile string[] _symbols = [];
    private int _refused;

    public int Refused => Volatile.Read(ref _refused);

    public void Fail(params string[] symbols) => _symbols = symbols;

    public void Heal() => _symbols = [];

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.Name == nameof(QuoteCluster.Symbols.ISymbolGrain.FlushPendingWriteAsync)
            && _symbols.Contains(context.TargetId.Key.ToString()))
        {
            Interlocked.Increment(ref _refused);
            throw new InvalidOperationException("the symbol's silo is unreachable (test fault)");
        }

        return context.Invoke();
    }
}
