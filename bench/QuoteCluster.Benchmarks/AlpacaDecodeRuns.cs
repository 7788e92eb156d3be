using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using MessagePack;
using Microsoft.Extensions.Logging.Abstractions;
using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Feeds.Alpaca;
using QuoteCluster.Ingest;

namespace QuoteCluster.Benchmarks;

/// <summary>
/// Quotes per second over loopback from the simulator (pre-encoded frames, as fast as the client reads), through three
/// receivers side by side: a bare receive loop, a minimal decoder that reads every field, and our client into the
/// ingest path's coalescer.
/// </summary>
internal static class AlpacaDecodeRuns
{
    public const int QuotesPerFrame = 100;
    private static readonly string[] Symbols = [.. Enumerable.Range(0, 100).Select(i => $"SYM{i:D2}")];

    public sealed record Result(string Receiver, AlpacaCodec Codec, double QuotesPerSecond, double CpuCoresUsed, double AllocatedBytesPerQuote);

    public static async Task<Result> RunAsync(string receiver, AlpacaCodec codec, TimeSpan warmup, TimeSpan measure)
    {
        await using var simulator = await AlpacaSimulatorServer.StartAsync(new SimulatorOptions
        {
            Rate = 0, FrameSize = QuotesPerFrame, TradeRatio = 0, Key = "bench", Secret = "bench",
        });
        var settings = new AlpacaStreamSettings(simulator.Url, "sip", "bench", "bench") { Codec = codec, SilenceTimeout = TimeSpan.Zero };
        using var stop = new CancellationTokenSource();
        Func<long> counted;
        Task running;
        AlpacaStreamClient? client = null;
        if (receiver == "client")
        {
            var coalescer = new QuoteCoalescer();
            client = new AlpacaStreamClient(settings, TimeProvider.System, NullLogger.Instance);
            await client.StartAsync(coalescer, Symbols, CancellationToken.None);
            counted = () => coalescer.Received;
            running = Task.CompletedTask;
        }
        else
        {
            var loop = new ReferenceLoop(settings, minimalDecode: receiver == "minimal decode");
            running = loop.RunAsync(stop.Token);
            counted = () => loop.Quotes;
        }

        await WarmUp.RunAsync(warmup, () => Task.FromResult(counted() > 0));
        var process = Process.GetCurrentProcess();
        var startCount = counted();
        var startCpu = process.TotalProcessorTime;
        var startAllocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        await Task.Delay(measure);
        var quotes = counted() - startCount;
        var elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - startCpu).TotalSeconds / elapsed;
        var allocated = (GC.GetTotalAllocatedBytes() - startAllocated) / (double)Math.Max(1, quotes);
        await stop.CancelAsync();
        await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (client is not null) await client.DisposeAsync();
        return new Result(receiver, codec, quotes / elapsed, cpu, allocated);
    }

    /// <summary>The references: a receive loop that only counts, and one that also reads every field of every quote.</summary>
    /// <remarks>Written for the measurement alone: no error handling, no reconnects, no hand-off.</remarks>
    private sealed class ReferenceLoop(AlpacaStreamSettings settings, bool minimalDecode)
    {
        private readonly SymbolCache _symbols = new();
        private long _quotes;
        private double _checksum;

        public long Quotes => Interlocked.Read(ref _quotes);

        public async Task RunAsync(CancellationToken stop)
        {
            using var socket = new ClientWebSocket();
            using var invoker = AlpacaUpgrade.CreateInvoker(settings.Codec);
            await socket.ConnectAsync(settings.Endpoint, invoker, stop);
            var buffer = new byte[1 << 20];
            var length = 0;
            var authenticated = false;
            while (!stop.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(length), stop);
                length += result.Count;
                if (!result.EndOfMessage) continue;
                var message = buffer.AsMemory(0, length);
                length = 0;
                if (!authenticated)
                {
                    // Handshake: connected → auth → authenticated → subscribe; everything after is data.
                    if (message.Span.IndexOf("authenticated"u8) >= 0)
                    {
                        await socket.SendAsync(AlpacaRequests.Subscribe(Symbols), WebSocketMessageType.Text, true, stop);
                        authenticated = true;
                    }
                    else if (message.Span.IndexOf("connected"u8) >= 0)
                    {
                        await socket.SendAsync(AlpacaRequests.Auth(settings.KeyId, settings.SecretKey), WebSocketMessageType.Text, true, stop);
                    }

                    continue;
                }

                if (!minimalDecode)
                {
                    Interlocked.Add(ref _quotes, QuotesPerFrame);
                    continue;
                }

                var decoded = settings.Codec == AlpacaCodec.Json ? DecodeJson(message.Span) : DecodeMessagePack(message);
                Interlocked.Add(ref _quotes, decoded);
            }
        }

        private int DecodeJson(ReadOnlySpan<byte> message)
        {
            var reader = new Utf8JsonReader(message);
            var quotes = 0;
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                double bid = 0, ask = 0;
                long sizes = 0;
                string? symbol = null;
                DateTimeOffset time = default;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.ValueSpan;
                    reader.Read();
                    if (name.SequenceEqual("S"u8)) symbol = _symbols.Get(reader.ValueSpan);
                    else if (name.SequenceEqual("bp"u8)) bid = reader.GetDouble();
                    else if (name.SequenceEqual("ap"u8)) ask = reader.GetDouble();
                    else if (name.SequenceEqual("bs"u8) || name.SequenceEqual("as"u8)) sizes += reader.GetInt64();
                    else if (name.SequenceEqual("t"u8)) time = reader.GetDateTimeOffset();
                    else reader.Skip();
                }

                _checksum += bid + ask + sizes + time.Ticks + (symbol?.Length ?? 0);
                quotes++;
            }

            return quotes;
        }

        private int DecodeMessagePack(ReadOnlyMemory<byte> message)
        {
            var reader = new MessagePackReader(message);
            var count = reader.ReadArrayHeader();
            for (var i = 0; i < count; i++)
            {
                double bid = 0, ask = 0;
                long sizes = 0;
                string? symbol = null;
                DateTime time = default;
                var fields = reader.ReadMapHeader();
                for (var f = 0; f < fields; f++)
                {
                    reader.TryReadStringSpan(out var name);
                    if (name.SequenceEqual("S"u8))
                    {
                        reader.TryReadStringSpan(out var s);
                        symbol = _symbols.Get(s);
                    }
                    else if (name.SequenceEqual("bp"u8)) bid = reader.ReadDouble();
                    else if (name.SequenceEqual("ap"u8)) ask = reader.ReadDouble();
                    else if (name.SequenceEqual("bs"u8) || name.SequenceEqual("as"u8)) sizes += reader.ReadInt64();
                    else if (name.SequenceEqual("t"u8)) time = reader.ReadDateTime();
                    else reader.Skip();
                }

                _checksum += bid + ask + sizes + time.Ticks + (symbol?.Length ?? 0);
            }

            return count;
        }
    }
}
