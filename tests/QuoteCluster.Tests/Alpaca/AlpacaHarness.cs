using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
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

/// <summary>A logger that keeps what it was told, for tests of what a failure reports.</summary>
public sealed class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Event, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Event, string Message)> Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, eventId.Name ?? "", formatter(state, exception)));
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
            DataUrl = Simulator.DataUrl,
            Codec = codec,
            BackoffBase = TimeSpan.FromMilliseconds(100),
            BackoffMax = TimeSpan.FromSeconds(2),
        };

    public async Task<(AlpacaStreamClient Client, RecordingSink Sink)> ConnectAsync(
        AlpacaStreamSettings settings, IReadOnlyCollection<string> symbols, TimeProvider? time = null, Random? random = null)
    {
        var client = Client(settings, time, random: random);
        var sink = new RecordingSink();
        await client.StartAsync(sink, symbols, CancellationToken.None);
        return (client, sink);
    }

    /// <summary>A client that is not started: what asking for snapshots needs.</summary>
    public AlpacaStreamClient Client(AlpacaStreamSettings settings, TimeProvider? time = null, ILogger? logger = null, Random? random = null)
    {
        var client = new AlpacaStreamClient(settings, time ?? TimeProvider.System, logger ?? NullLogger.Instance, random);
        Clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients) await client.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
