using QuoteCluster.Quotes;

namespace QuoteCluster.Storage;

/// <summary>Counts the writes another store accepted: the smoke check's verdict and the benchmarks' writes per second.</summary>
public sealed class CountingQuoteStore(IQuoteStore inner) : IQuoteStore
{
    private long _quotesWritten;
    private long _heartbeatsWritten;

    public long QuotesWritten => Interlocked.Read(ref _quotesWritten);

    public long HeartbeatsWritten => Interlocked.Read(ref _heartbeatsWritten);

    public string? LastError { get; private set; }

    public bool IsDryRun => inner.IsDryRun;

    public StoreHealth Health => inner.Health;

    public async Task WriteQuotesAsync(IReadOnlyList<Quote> quotes, CancellationToken cancellationToken)
    {
        await Count(inner.WriteQuotesAsync(quotes, cancellationToken));
        Interlocked.Add(ref _quotesWritten, quotes.Count);
    }

    public async Task WriteHeartbeatAsync(Heartbeat heartbeat, CancellationToken cancellationToken)
    {
        await Count(inner.WriteHeartbeatAsync(heartbeat, cancellationToken));
        Interlocked.Increment(ref _heartbeatsWritten);
    }

    private async Task Count(Task write)
    {
        try
        {
            await write;
        }
        catch (Exception e)
        {
            LastError = e.Message;
            throw;
        }
    }
}
