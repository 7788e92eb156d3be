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
/// attempt on the <see cref="AlpacaBackoff"/> schedule (restarted only by a session that stayed authenticated for the
/// backoff cap); the pipeline waits on the injected clock, so tests control it.
/// One connection's work is an <see cref="AlpacaSession"/>'s; merging quotes and trades into ticks is the
/// <see cref="AlpacaBook"/>'s.
/// </remarks>
public sealed class AlpacaStreamClient : IMarketDataFeed
{
    private readonly AlpacaStreamSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AlpacaBackoff _backoff;
    private readonly HttpMessageInvoker _invoker;
    private readonly Lock _gate = new();
    private readonly AlpacaCounters _counters = new();
    private readonly AlpacaBook _book = new();
    private readonly AlpacaDecoder _decoder;
    private readonly AlpacaSnapshotClient _snapshots;

    // Replaced, never mutated: the receive loop reads whichever set is current without a lock.
    private volatile HashSet<string> _wanted = new(StringComparer.Ordinal);
    private int _wantedVersion;
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private AlpacaSession? _session;
    private IQuoteSink? _sink;
    private CancellationTokenSource? _stop;
    private Task _loop = Task.CompletedTask;
    private volatile FeedHealth _health = FeedHealth.Starting;

    public AlpacaStreamClient(AlpacaStreamSettings settings, TimeProvider time, ILogger logger, Random? random = null)
    {
        _settings = settings;
        _time = time;
        _logger = logger;
        _backoff = new AlpacaBackoff(settings, random ?? Random.Shared);
        _decoder = new AlpacaDecoder(_counters, time, logger);
        _invoker = AlpacaUpgrade.CreateInvoker(settings.Codec);
        _snapshots = new AlpacaSnapshotClient(settings, time, logger);
    }

    public string Name => QuoteSources.Alpaca;

    public FeedHealth Health => _health;

    public long ConnectionAttempts => _counters.ConnectionAttempts;
    public long Authentications => _counters.Authentications;
    public long MalformedMessages => _counters.MalformedMessages;
    public long IgnoredItems => _counters.IgnoredItems;
    public long QuotesReceived => _counters.QuotesReceived;
    public long TradesReceived => _counters.TradesReceived;

    /// <summary>Snapshot requests sent to the market-data REST API.</summary>
    public long SnapshotRequests => _snapshots.Requests;

    /// <summary>WebSocket messages by frame type: msgpack must arrive as binary, never as JSON text.</summary>
    public long BinaryMessages => _counters.BinaryMessages;
    public long TextMessages => _counters.TextMessages;

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
        AlpacaSession? session;
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

    /// <summary>From the market-data REST API's snapshots (<see cref="AlpacaSnapshotClient"/>), whatever the stream is doing.</summary>
    public Task<IReadOnlyList<QuoteTick>> SnapshotAsync(IReadOnlyCollection<string> symbols, CancellationToken cancellationToken) =>
        _snapshots.GetAsync(symbols, cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop is null || _stop.IsCancellationRequested) return;
        AlpacaSession? session;
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
        _snapshots.Dispose();
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
            Log.AlpacaDisconnected(_logger, ended.Message, ended.Kind.ToString(), delay.TotalSeconds, _backoff.FailuresSinceHealthy);
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
        var session = new AlpacaSession(this, socket, _decoder, _settings, _time, _logger);
        try
        {
            await ConnectAsync(socket, stop);
            await session.RunAsync(stop);
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
            // Before the pipeline asks for the next delay: a session that stayed up long enough restarts the schedule.
            _backoff.SessionEnded(session.AuthenticatedFor);
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

    // For the sessions: each lives as long as its connection, and what outlives one is kept here.

    /// <summary>The symbols to subscribe; replaced, never mutated, so a session reads it without the lock.</summary>
    internal IReadOnlySet<string> WantedSymbols => _wanted;

    internal void Deliver(ReadOnlySpan<AlpacaMarketEvent> events)
    {
        var wantedVersion = Volatile.Read(ref _wantedVersion);
        var ticks = _book.Merge(events, _wanted, wantedVersion, _time.GetUtcNow(), out var quotes, out var trades);
        _counters.AddMerged(quotes, trades);
        if (!ticks.IsEmpty) _sink?.OnQuotes(ticks);
    }

    internal void OnAuthenticated(AlpacaSession session)
    {
        _counters.CountAuthentication();
        lock (_gate)
        {
            _session = session;
        }

        ReportLive();
        Log.AlpacaAuthenticated(_logger, _settings.Endpoint.ToString(), Authentications);
    }

    /// <summary>The server confirmed these quote symbols: none of them is refused any more.</summary>
    internal void OnSubscribed(IReadOnlySet<string> quotes)
    {
        lock (_gate)
        {
            _refused.ExceptWith(quotes);
        }
    }

    /// <summary>The server refused these symbols with 405; those still wanted are retried on the next change or reconnect.</summary>
    internal void OnRefused(IEnumerable<string> symbols)
    {
        lock (_gate)
        {
            _refused.UnionWith(symbols.Where(_wanted.Contains));
        }
    }

    /// <summary>Live, naming the refused symbols if there are any.</summary>
    internal FeedHealth ReportLive() => _health = new FeedHealth(FeedState.Live, true, RefusedSummary());

    private string? RefusedSummary()
    {
        lock (_gate)
        {
            return _refused.Count == 0 ? null : $"405 symbol limit exceeded: refused {string.Join(", ", _refused.Order(StringComparer.Ordinal))}";
        }
    }
}
