using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Streams;
using Orleans.TestingHost;
using QuoteCluster.Quotes;
using QuoteCluster.Streams;
using QuoteCluster.Symbols;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Streams;

/// <summary>
/// A silo's live updates leave in batches, one stream event per live partition for what its grains published while the
/// previous one was on its way; a batch that cannot be published fails every publish in it, and none is lost for it.
/// </summary>
public sealed class LiveQuotePublisherTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly EnqueueFault _fault = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        // No feed: only what a test publishes reaches the live streams.
        var options = QuoteClusterTestCluster.Options(("INGEST_AUTOSTART", "0"), ("ORLEANS_DASHBOARD", "0"), ("DRY_RUN", "1"));
        _cluster = await QuoteClusterTestCluster.StartAsync(1, options, store: null,
            configure: silo => silo.Services.AddSingleton<IIncomingGrainCallFilter>(_fault));
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Updates_published_together_leave_in_few_stream_events_and_each_symbol_keeps_its_order()
    {
        var symbols = SymbolsOfPartition(0, 40);
        var received = await WatchAsync(0);
        var publisher = _cluster.Silos[0].ServiceProvider.GetRequiredService<LiveQuotePublisher>();

        // Five versions of each of forty symbols, as a busy silo's grains publish them: all at once.
        var published = new List<Task>();
        for (var version = 1; version <= 5; version++)
        {
            published.AddRange(symbols.Select(s => publisher.PublishAsync(Update(s, version))));
        }

        await Task.WhenAll(published);
        await Eventually.Until(() => received.Sum(b => b.Updates.Length) >= 200, Wait, "the 200 updates at the consumer");

        Assert.Equal(200, received.Sum(b => b.Updates.Length));
        Assert.True(received.Count <= 20, $"200 updates published at once left in {received.Count} stream events");
        foreach (var symbol in symbols)
        {
            var versions = received.SelectMany(b => b.Updates).Where(u => u.Quote.Symbol == symbol).Select(u => u.Version).ToList();
            Assert.Equal([1, 2, 3, 4, 5], versions);
        }
    }

    [Fact]
    public async Task A_batch_that_cannot_be_published_fails_every_publish_in_it()
    {
        var symbols = SymbolsOfPartition(1, 10);
        var publisher = _cluster.Silos[0].ServiceProvider.GetRequiredService<LiveQuotePublisher>();

        _fault.Failing = true;
        var published = symbols.Select(s => publisher.PublishAsync(Update(s, 1))).ToList();
        foreach (var publish in published) await Assert.ThrowsAnyAsync<Exception>(() => publish);

        _fault.Failing = false;
        var received = await WatchAsync(1);
        await Task.WhenAll(symbols.Select(s => publisher.PublishAsync(Update(s, 2))));
        await Eventually.Until(() => received.Sum(b => b.Updates.Length) >= symbols.Count, Wait, "the updates after the fault");
        Assert.All(received.SelectMany(b => b.Updates), u => Assert.Equal(2, u.Version));
    }

    [Fact]
    public async Task A_quote_whose_publish_failed_is_published_when_ingest_delivers_it_again()
    {
        // The ingest pump retries a delivery that failed with the same quote, which the grain already holds: taken for a
        // redelivery it was not published again, and the live streams never carried it.
        var symbol = SymbolsOfPartition(2, 1)[0];
        var received = await WatchAsync(2);
        var grain = _cluster.Client.GetGrain<ISymbolGrain>(symbol);
        var now = DateTimeOffset.UtcNow;
        var quote = new Quote(symbol, 10, 10.02, 1, 1, null, now, now, QuoteSources.Simulated);

        _fault.Failing = true;
        await Assert.ThrowsAnyAsync<Exception>(() => grain.ApplyAsync(quote, 1));
        _fault.Failing = false;

        await grain.ApplyAsync(quote, 1);
        var held = await grain.GetLatestAsync();
        await Eventually.Until(() => received.SelectMany(b => b.Updates).Any(u => u.Quote.Symbol == symbol), Wait,
            "the retried quote on the live stream");
        Assert.Equal(held!.Version, received.SelectMany(b => b.Updates).Single(u => u.Quote.Symbol == symbol).Version);
    }

    private static QuoteUpdate Update(string symbol, long version)
    {
        var now = DateTimeOffset.UtcNow;
        return new QuoteUpdate(new Quote(symbol, 10, 10.02, 1, 1, null, now, now, QuoteSources.Simulated), version);
    }

    /// <summary>Test symbols no feed sends, all carried by one live partition.</summary>
    private static List<string> SymbolsOfPartition(int partition, int count) =>
        [.. Enumerable.Range(0, 10_000).Select(i => $"LQP{i}").Where(s => QuoteStreams.LivePartition(s) == partition).Take(count)];

    private async Task<ConcurrentQueue<LiveQuoteBatch>> WatchAsync(int partition)
    {
        var received = new ConcurrentQueue<LiveQuoteBatch>();
        await _cluster.Client.GetStreamProvider(QuoteStreams.Provider).GetStream<LiveQuoteBatch>(QuoteStreams.Live(partition))
            .SubscribeAsync((batch, _) =>
            {
                received.Enqueue(batch);
                return Task.CompletedTask;
            });
        return received;
    }

    /// <summary>While failing, every event enqueued into the memory streams' queues is refused, as by a queue whose silo is gone.</summary>
    private sealed class EnqueueFault : IIncomingGrainCallFilter
    {
        public volatile bool Failing;

        public Task Invoke(IIncomingGrainCallContext context) =>
            Failing && context.InterfaceMethod?.DeclaringType == typeof(IMemoryStreamQueueGrain)
                && context.InterfaceMethod.Name == nameof(IMemoryStreamQueueGrain.Enqueue)
                ? throw new InvalidOperationException("The stream queue is unreachable (injected).")
                : context.Invoke();
    }
}
