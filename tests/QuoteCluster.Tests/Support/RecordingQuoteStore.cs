using System.Collections.Concurrent;
using QuoteCluster.Quotes;
using QuoteCluster.Storage;

namespace QuoteCluster.Tests.Support;

/// <summary>A store that keeps every write, with when and from which silo it was made, for tests to inspect.</summary>
public sealed class RecordingQuoteStore : IQuoteStore
{
    public sealed record Write(Quote Quote, DateTimeOffset At, string Silo);

    private readonly ConcurrentQueue<Write> _writes = new();
    private readonly ConcurrentQueue<Heartbeat> _heartbeats = new();

    public bool IsDryRun => true;

    public StoreHealth Health => StoreHealth.Ok;

    public IReadOnlyList<Write> Writes => [.. _writes];

    public IReadOnlyList<Heartbeat> Heartbeats => [.. _heartbeats];

    public Quote? LastWritten(string symbol) => _writes.Where(w => w.Quote.Symbol == symbol).Select(w => w.Quote).LastOrDefault();

    public Task WriteQuotesAsync(IReadOnlyList<Quote> quotes, CancellationToken cancellationToken) => Record(quotes, "unknown");

    public Task WriteHeartbeatAsync(Heartbeat heartbeat, CancellationToken cancellationToken)
    {
        _heartbeats.Enqueue(heartbeat);
        return Task.CompletedTask;
    }

    internal Task Record(IReadOnlyList<Quote> quotes, string silo)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var quote in quotes)
        {
            _writes.Enqueue(new Write(quote, now, silo));
        }

        return Task.CompletedTask;
    }

    /// <summary>The store as one silo sees it: writes are tagged with that silo's name.</summary>
    public IQuoteStore ForSilo(string silo) => new SiloView(this, silo);

    private sealed class SiloView(RecordingQuoteStore store, string silo) : IQuoteStore
    {
        public bool IsDryRun => true;

    public StoreHealth Health => StoreHealth.Ok;

        public Task WriteQuotesAsync(IReadOnlyList<Quote> quotes, CancellationToken cancellationToken) => store.Record(quotes, silo);

        public Task WriteHeartbeatAsync(Heartbeat heartbeat, CancellationToken cancellationToken) => store.WriteHeartbeatAsync(heartbeat, cancellationToken);
    }
}
