using System.Collections.Concurrent;
using QuoteCluster.Quotes;
using QuoteCluster.Storage;

namespace QuoteCluster.Tests.Support;

/// <summary>
/// A store that keeps every write, with when, in which commit and from which silo it was made, for tests to inspect;
/// wrapped around a real store it records only the writes that store accepted, stamped when they were sent (the
/// writer's decision), not when the commit returned (which adds the store's latency jitter).
/// </summary>
public sealed class RecordingQuoteStore : IQuoteStore
{
    public sealed record Write(Quote Quote, DateTimeOffset At, string Silo, int Commit);

    private readonly ConcurrentQueue<Write> _writes = new();
    private readonly ConcurrentQueue<Heartbeat> _heartbeats = new();
    private readonly ConcurrentQueue<int> _commitSizes = new();
    private int _commits;

    public bool IsDryRun => true;

    public StoreHealth Health => StoreHealth.Ok;

    public IReadOnlyList<Write> Writes => [.. _writes];

    public IReadOnlyList<int> CommitSizes => [.. _commitSizes];

    public IReadOnlyList<Heartbeat> Heartbeats => [.. _heartbeats];

    public Quote? LastWritten(string symbol) => _writes.Where(w => w.Quote.Symbol == symbol).Select(w => w.Quote).LastOrDefault();

    public Task WriteQuotesAsync(IReadOnlyList<Quote> quotes, CancellationToken cancellationToken)
    {
        Record(quotes, "unknown", DateTimeOffset.UtcNow);
        return Task.CompletedTask;
    }

    public Task WriteHeartbeatAsync(Heartbeat heartbeat, CancellationToken cancellationToken)
    {
        _heartbeats.Enqueue(heartbeat);
        return Task.CompletedTask;
    }

    /// <summary>The store as one silo sees it: writes are tagged with that silo's name, and go to <paramref name="inner"/> first if given.</summary>
    public IQuoteStore ForSilo(string silo, IQuoteStore? inner = null) => new SiloView(this, silo, inner);

    private void Record(IReadOnlyList<Quote> quotes, string silo, DateTimeOffset sentAt)
    {
        var commit = Interlocked.Increment(ref _commits);
        _commitSizes.Enqueue(quotes.Count);
        foreach (var quote in quotes)
        {
            _writes.Enqueue(new Write(quote, sentAt, silo, commit));
        }
    }

    private sealed class SiloView(RecordingQuoteStore store, string silo, IQuoteStore? inner) : IQuoteStore
    {
        public bool IsDryRun => inner?.IsDryRun ?? true;

        public StoreHealth Health => inner?.Health ?? StoreHealth.Ok;

        public async Task WriteQuotesAsync(IReadOnlyList<Quote> quotes, CancellationToken cancellationToken)
        {
            var sentAt = DateTimeOffset.UtcNow;
            if (inner is not null) await inner.WriteQuotesAsync(quotes, cancellationToken);
            store.Record(quotes, silo, sentAt);
        }

        public async Task WriteHeartbeatAsync(Heartbeat heartbeat, CancellationToken cancellationToken)
        {
            if (inner is not null) await inner.WriteHeartbeatAsync(heartbeat, cancellationToken);
            await store.WriteHeartbeatAsync(heartbeat, cancellationToken);
        }
    }
}
