using System.Buffers;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using QuoteCluster.Ingest;
using QuoteCluster.Logging;
using QuoteCluster.Observability;
using QuoteCluster.Quotes;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>
/// Alpaca's real-time stock stream (v2) as a market-data feed: one WebSocket, re-established for as long as the feed
/// runs, always re-subscribed to the wanted symbols (quotes for bid and ask, trades for `price`).
/// </summary>
/// <remarks>
/// Every session ends in an <see cref="AlpacaSessionEndedException"/>, which a Polly retry pipeline turns into the next
/// attempt on the <see cref="AlpacaBackoff"/> schedule; the pipeline waits on the injected clock, so tests control it.
/// </remarks>
public sealed partial class AlpacaStreamClient : IMarketDataFeed
{
    private const int InitialReceiveBuffer = 64 * 1024;
    private const int MaxMessageBytes = 16 * 1024 * 1024;
    private static readonly TimeSpan MalformedLogInterval = TimeSpan.FromSeconds(5);

    private readonly AlpacaStreamSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AlpacaBackoff _backoff;
    private readonly HttpMessageInvoker _invoker;
    private readonly Lock _gate = new();
    private readonly AlpacaCounters _counters = new();
    private readonly AlpacaBook _book = new();
    private readonly AlpacaFrame _frame = new();
    private readonly AlpacaJsonDecoder _json;
    private readonly AlpacaMessagePackDecoder _messagePack;

    // Replaced, never mutated: the receive loop reads whichever set is current without a lock.
    private volatile HashSet<string> _wanted = new(StringComparer.Ordinal);
    private int _wantedVersion;
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private Session? _session;
    private IQuoteSink? _sink;
    private CancellationTokenSource? _stop;
    private Task _loop = Task.CompletedTask;
    private volatile FeedHealth _health = FeedHealth.Starting;
    private long _lastMalformedLog;
    private long _malformedSinceLog;

    public AlpacaStreamClient(AlpacaStreamSettings settings, TimeProvider time, ILogger logger, Random? random = null)
    {
        _settings = settings;
        _time = time;
        _logger = logger;
        _backoff = new AlpacaBackoff(settings, random ?? Random.Shared);
        var symbols = new SymbolCache();
        _json = new AlpacaJsonDecoder(symbols);
        _messagePack = new AlpacaMessagePackDecoder(symbols);
        _invoker = AlpacaUpgrade.CreateInvoker(settings.Codec);
    }

    public string Name => QuoteSources.Alpaca;

    public FeedHealth Health => _health;

    public long ConnectionAttempts => _counters.ConnectionAttempts;
    public long Authentications => _counters.Authentications;
    public long MalformedMessages => _counters.MalformedMessages;
    public long IgnoredItems => _counters.IgnoredItems;
    public long QuotesReceived => _counters.QuotesReceived;
    public long TradesReceived => _counters.TradesReceived;

    /// <summary>WebSocket messages by frame type: msgpack must arrive as binary, never as JSON text.</summary>
    public long BinaryMessages => _counters.BinaryMessages;
    public long TextMessages => _counters.TextMessages;

    /// <summary>The quote symbols the server last confirmed for the current session.</summary>
    public IReadOnlySet<string> ServerSubscription
    {
        get
        {
            lock (_gate) return _session?.ServerQuotes ?? new HashSet<string>();
        }
    }

    /// <summary>Wanted symbols the server refused with 405 (symbol limit); retried on the next change or reconnect.</summary>
    public IReadOnlyCollection<string> RefusedSymbols
    {
        get
        {
            lock (_gate) return [.. _refused];
        }
    }

    public Task StartAsync(IQuoteSink sink, IReadOnlyCollection<string> symbols, CancellationToken cancellationToken)
    {
        if (_stop is not null) throw new InvalidOperationException("The Alpaca client has already been started.");
        _sink = sink;
        _wanted = new HashSet<string>(symbols, StringComparer.Ordinal);
        _stop = new CancellationTokenSource();
        var stop = _stop.Token;
        _loop = Task.Run(() => RunAsync(stop), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task SetSymbolsAsync(IReadOnlyCollection<string> symbols, CancellationToken cancellationToken)
    {
        Session? session;
        lock (_gate)
        {
            _wanted = new HashSet<string>(symbols, StringComparer.Ordinal);
            Interlocked.Increment(ref _wantedVersion);
            _refused.IntersectWith(_wanted);
            session = _session;
        }

        if (session is not null)
        {
            try
            {
                await session.SynchronizeSubscriptionsAsync(cancellationToken);
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The session is ending; the next one subscribes the new set.
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop is null || _stop.IsCancellationRequested) return;
        Session? session;
        lock (_gate) session = _session;
        if (session is not null)
        {
            await session.CloseAsync("client stopping");
        }

        await _stop.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _health = new FeedHealth(FeedState.Stopped, false, null);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stop?.Dispose();
        _invoker.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var pipeline = _backoff.CreatePipeline(_time, OnSessionEndedAsync);
        try
        {
            await pipeline.ExecuteAsync(RunSessionAsync, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private ValueTask OnSessionEndedAsync(AlpacaSessionEndedException ended, TimeSpan delay)
    {
        var state = ended.Kind == AlpacaSessionEndKind.Configuration ? FeedState.ConfigurationError : FeedState.Reconnecting;
        QuoteClusterMetrics.FeedReconnects.Add(1, new KeyValuePair<string, object?>("cause", ended.Kind switch
        {
            AlpacaSessionEndKind.ConnectionLimit => "connection_limit",
            AlpacaSessionEndKind.Configuration => "configuration",
            _ => "transient",
        }));
        _health = new FeedHealth(state, false, ended.Message);
        if (ended.Kind == AlpacaSessionEndKind.Configuration)
        {
            Log.AlpacaConfigurationError(_logger, ended.Code ?? 0, ended.Message, delay.TotalSeconds);
        }
        else
        {
            Log.AlpacaDisconnected(_logger, ended.Message, ended.Kind.ToString(), delay.TotalSeconds, _backoff.FailuresSinceAuth);
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask RunSessionAsync(CancellationToken stop)
    {
        stop.ThrowIfCancellationRequested();
        _counters.CountConnectionAttempt();
        using var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = _settings.PingInterval;
        socket.Options.KeepAliveTimeout = _settings.PingTimeout;
        socket.Options.CollectHttpResponseDetails = true;
        var session = new Session(this, socket);
        using var watchdogStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        try
        {
            await ConnectAsync(socket, stop);
            var watchdog = WatchAsync(session, watchdogStop.Token);
            try
            {
                await ReceiveAsync(session, stop);
            }
            finally
            {
                await watchdogStop.CancelAsync();
                await watchdog.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not AlpacaSessionEndedException)
        {
            // A watchdog abort surfaces as a socket error; its own reason says more than the exception does.
            throw session.AbortReason ?? new AlpacaSessionEndedException(AlpacaSessionEndKind.Transient, $"connection lost: {e.Message}", inner: e);
        }
        finally
        {
            lock (_gate)
            {
                if (_session == session) _session = null;
            }
        }
    }

    private async Task ConnectAsync(ClientWebSocket socket, CancellationToken stop)
    {
        using var timeout = new CancellationTokenSource(_settings.HandshakeTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
        try
        {
            await socket.ConnectAsync(_settings.Endpoint, _invoker, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            throw new AlpacaSessionEndedException(AlpacaSessionEndKind.Transient, $"connecting to {_settings.Endpoint} timed out");
        }
        catch (WebSocketException e) when ((int)socket.HttpStatusCode is >= 400 and < 500 and not 429)
        {
            // A 4xx on the upgrade is an address, feed or credential the server does not accept: retrying soon won't help.
            throw new AlpacaSessionEndedException(AlpacaSessionEndKind.Configuration,
                $"{_settings.Endpoint} answered HTTP {(int)socket.HttpStatusCode}: check ALPACA_STREAM_URL and ALPACA_DATA_FEED", (int)socket.HttpStatusCode, e);
        }

        Log.AlpacaConnecting(_logger, _settings.Endpoint.ToString(), _settings.Codec.ToString(), ConnectionAttempts);
    }

    private async Task ReceiveAsync(Session session, CancellationToken stop)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxMessageBytes)
                    {
                        throw new AlpacaSessionEndedException(AlpacaSessionEndKind.Transient, $"a message exceeded {MaxMessageBytes} bytes");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var result = await session.Socket.ReceiveAsync(buffer.AsMemory(length), stop);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw session.AbortReason ?? new AlpacaSessionEndedException(AlpacaSessionEndKind.Transient,
                        $"server closed the connection ({session.Socket.CloseStatus} {session.Socket.CloseStatusDescription})".TrimEnd());
                }

                length += result.Count;
                if (!result.EndOfMessage) continue;
                await HandleMessageAsync(session, result.MessageType, buffer.AsMemory(0, length), stop);
                length = 0;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task HandleMessageAsync(Session session, WebSocketMessageType type, ReadOnlyMemory<byte> message, CancellationToken stop)
    {
        var frame = _frame;
        frame.Clear();
        if (type == WebSocketMessageType.Text)
        {
            _counters.CountTextMessage();
            _json.Decode(message.Span, frame);
        }
        else
        {
            _counters.CountBinaryMessage();

            // JSON may come in binary frames too (the C# SDK sends it so); a msgpack message never starts with '['.
            if (!message.IsEmpty && message.Span[0] == (byte)'[') _json.Decode(message.Span, frame);
            else _messagePack.Decode(message, frame);
        }

        if (frame.MalformedCount > 0) CountMalformed(frame);
        if (frame.Ignored > 0) _counters.AddIgnored(frame.Ignored);
        if (frame.EventCount > 0)
        {
            session.LastDataAt = _time.GetTimestamp();
            Deliver(frame.Events);
        }

        foreach (var control in frame.Controls)
        {
            await session.HandleControlAsync(control, stop);
        }
    }

    private void Deliver(ReadOnlySpan<AlpacaMarketEvent> events)
    {
        var wantedVersion = Volatile.Read(ref _wantedVersion);
        var ticks = _book.Merge(events, _wanted, wantedVersion, _time.GetUtcNow(), out var quotes, out var trades);
        _counters.AddMerged(quotes, trades);
        if (!ticks.IsEmpty) _sink?.OnQuotes(ticks);
    }

    private void CountMalformed(AlpacaFrame frame)
    {
        _counters.AddMalformed(frame.MalformedCount);
        _malformedSinceLog += frame.MalformedCount;

        // A feed sending garbage at thousands of frames a second must not flood the log: one line per interval.
        if (_lastMalformedLog != 0 && _time.GetElapsedTime(_lastMalformedLog) < MalformedLogInterval) return;
        Log.AlpacaMalformed(_logger, _malformedSinceLog, frame.Malformed ?? "unknown", MalformedMessages);
        _lastMalformedLog = _time.GetTimestamp();
        _malformedSinceLog = 0;
    }

    private async Task WatchAsync(Session session, CancellationToken stop)
    {
        var limits = new[] { _settings.HandshakeTimeout, _settings.SilenceTimeout }.Where(t => t > TimeSpan.Zero);
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, limits.Min().Ticks / 5));
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(period, _time, stop);
            if (!session.Authenticated)
            {
                if (_time.GetElapsedTime(session.OpenedAt) > _settings.HandshakeTimeout)
                {
                    session.Abort(new AlpacaSessionEndedException(AlpacaSessionEndKind.Transient,
                        $"no `authenticated` within {_settings.HandshakeTimeout.TotalSeconds:0.#} s of connecting"));
                    return;
                }

                continue;
            }

            if (_settings.SilenceTimeout <= TimeSpan.Zero || _wanted.Count == 0 || !_settings.DataExpected(_time.GetUtcNow())) continue;
            var silent = _time.GetElapsedTime(Math.Max(session.LastDataAt, session.SubscribedAt));
            if (silent > _settings.SilenceTimeout)
            {
                Log.AlpacaSilent(_logger, silent.TotalSeconds);
                session.Abort(new AlpacaSessionEndedException(AlpacaSessionEndKind.Transient,
                    $"no data for {silent.TotalSeconds:0} s on an open connection while the market is open; rebuilt"));
                return;
            }
        }
    }
}
