using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Feeds;
using QuoteCluster.Feeds.Alpaca;
using QuoteCluster.Quotes;

namespace QuoteCluster.Tests.Alpaca;

/// <summary>A quote sink that keeps everything it was given.</summary>
public sealed class RecordingSink : IQuoteSink
{
    private readonly ConcurrentDictionary<string, QuoteTick> _latest = new(StringComparer.Ordinal);
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public IReadOnlyDictionary<string, QuoteTick> Latest => _latest;

    public void OnQuotes(ReadOnlySpan<QuoteTick> quotes)
    {
        foreach (var quote in quotes) _latest[quote.Symbol] = quote;
        Interlocked.Add(ref _count, quotes.Length);
    }

    public void Clear()
    {
        _latest.Clear();
        Interlocked.Exchange(ref _count, 0);
    }
}

/// <summary>The simulator on a free loopback port and our client pointed at it.</summary>
public sealed class AlpacaHarness : IAsyncDisposable
{
    public const string Key = "test-key";
    public const string Secret = "test-secret";

    private AlpacaHarness(AlpacaSimulatorServer simulator) => Simulator = simulator;

    public AlpacaSimulatorServer Simulator { get; }

    public List<AlpacaStreamClient> Clients { get; } = [];

    public static async Task<AlpacaHarness> StartAsync(SimulatorOptions? options = null) =>
        new(await AlpacaSimulatorServer.StartAsync((options ?? new SimulatorOptions()) with { Key = Key, Secret = Secret }));

    public AlpacaStreamSettings Settings(AlpacaCodec codec = AlpacaCodec.MessagePack, string feed = "iex") =>
        new(Simulator.Url, feed, Key, Secret)
        {
            Codec = codec,
            BackoffBase = TimeSpan.FromMilliseconds(100),
            BackoffMax = TimeSpan.FromSeconds(2),
        };

    public async Task<(AlpacaStreamClient Client, RecordingSink Sink)> ConnectAsync(
        AlpacaStreamSettings settings, IReadOnlyCollection<string> symbols, TimeProvider? time = null, Random? random = null)
    {
        var client = new AlpacaStreamClient(settings, time ?? TimeProvider.System, NullLogger.Instance, random);
        Clients.Add(client);
        var sink = new RecordingSink();
        await client.StartAsync(sink, symbols, CancellationToken.None);
        return (client, sink);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients) await client.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
