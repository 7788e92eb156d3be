using QuoteCluster.Symbols;

namespace QuoteCluster.Tests.Support;

/// <summary>
/// While switched on, calls of one SymbolGrain method to the named grains fail before reaching them, as calls to a grain
/// on a dying silo do: asking for a pending write's flush, the writer's confirmation of a write, or the ingest pump's
/// delivery of a quote, or a gateway's read of its latest quote. Nothing else is touched.
/// </summary>
public sealed class SymbolCallFault : IIncomingGrainCallFilter
{
    private volatile Fault _fault = new("", []);
    private int _refused;

    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Fails the calls that ask the grains to send their pending write.</summary>
    public void Fail(params string[] symbols) => _fault = new(nameof(ISymbolGrain.FlushPendingWriteAsync), symbols);

    /// <summary>Fails the writer's confirmations that the grains' writes are stored, as if the writer were lost after writing.</summary>
    public void FailConfirmations(params string[] symbols) => _fault = new(nameof(ISymbolGrain.ConfirmStoredAsync), symbols);

    /// <summary>Fails the ingest pump's deliveries of quotes to the grains.</summary>
    public void FailApplies(params string[] symbols) => _fault = new(nameof(ISymbolGrain.ApplyAsync), symbols);

    /// <summary>Fails the reads of the grains' latest quotes, as a gateway's healing makes them.</summary>
    public void FailReads(params string[] symbols) => _fault = new(nameof(ISymbolGrain.GetLatestAsync), symbols);

    public void Heal() => _fault = new("", []);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        var fault = _fault;
        if (context.InterfaceMethod?.Name == fault.Method && fault.Symbols.Contains(context.TargetId.Key.ToString()))
        {
            Interlocked.Increment(ref _refused);
            throw new InvalidOperationException("the symbol's silo is unreachable (test fault)");
        }

        return context.Invoke();
    }

    private sealed record Fault(string Method, string[] Symbols);
}
