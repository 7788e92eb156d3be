using System.Buffers;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using QuoteCluster.Logging;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>
/// One WebSocket connection to the stream, once it is open: the handshake, the receive loop, the subscription
/// requests and what the server confirmed, and the watchdog that tears the connection down when it stalls.
/// </summary>
/// <remarks>
/// Ends only by throwing: the client's retry pipeline turns that into the next session. What outlives a connection (the
/// wanted symbols, the decoder and the book, the health) is the client's, and the session reports to it.
/// </remarks>
internal sealed class AlpacaSession(
    AlpacaStreamClient client, ClientWebSocket socket, AlpacaDecoder decoder, AlpacaStreamSettings settings, TimeProvider time, ILogger logger)
{
    private const int InitialReceiveBuffer = 64 * 1024;
    private const int MaxMessageBytes = 16 * 1024 * 1024;

    private readonly SemaphoreSlim _send = new(1, 1);

    // The server answers subscribe and unsubscribe requests in order, each with a `subscription` or an error;
    // each entry is the symbols a request asked for (empty for unsubscribes), so a 405 names the refused ones.
    private readonly Queue<string[]> _pendingRequests = new();
    private HashSet<string> _requested = new(StringComparer.Ordinal);
    private bool _authSent;
    private volatile bool _authenticated;
    private volatile HashSet<string> _serverQuotes = new(StringComparer.Ordinal);

    // On the client's clock; the watchdog measures the handshake and silence from them.
    private readonly long _openedAt = time.GetTimestamp();
    private long _lastDataAt;
    private long _subscribedAt;
    private long _authenticatedAt;

    /// <summary>How long this session has been authenticated, on the client's clock; zero before `authenticated`.</summary>
    public TimeSpan AuthenticatedFor => _authenticated ? time.GetElapsedTime(_authenticatedAt) : TimeSpan.Zero;

    /// <summary>Why the watchdog tore the socket down; the receive loop's error says less.</summary>
    public AlpacaSessionEndedException? AbortReason { get; private set; }

    /// <summary>Reads messages until the connection ends, with the watchdog running beside the loop.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var watchdogStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var watchdog = WatchAsync(watchdogStop.Token);
        try
        {
            await ReceiveAsync(stop);
        }
        finally
        {
            await watchdogStop.CancelAsync();
            await watchdog.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async Task CloseAsync(string reason)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await _send.WaitAsync(timeout.Token);
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, reason, timeout.Token);
            }
            finally
            {
                _send.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closing politely is a courtesy to the server's session count; the socket is dropped either way.
        }
    }

    /// <summary>Brings this session's subscription to the wanted set with delta requests in chunks.</summary>
    /// <remarks>Under the send lock, against what this session already asked for, so concurrent calls converge.</remarks>
    public async Task SynchronizeSubscriptionsAsync(CancellationToken cancellationToken)
    {
        if (!_authenticated) return;
        await _send.WaitAsync(cancellationToken);
        try
        {
            var target = client.WantedSymbols;
            var removed = _requested.Where(s => !target.Contains(s)).ToList();
            var added = target.Where(s => !_requested.Contains(s)).ToList();
            foreach (var chunk in removed.Chunk(settings.SubscribeChunkSize))
            {
                Enqueue([]);
                await SendLockedAsync(AlpacaRequests.Unsubscribe(chunk), cancellationToken);
            }

            foreach (var chunk in added.Chunk(settings.SubscribeChunkSize))
            {
                Enqueue(chunk);
                await SendLockedAsync(AlpacaRequests.Subscribe(chunk), cancellationToken);
            }

            _requested = [.. target];
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task ReceiveAsync(CancellationToken stop)
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

                var result = await socket.ReceiveAsync(buffer.AsMemory(length), stop);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw AbortReason ?? new AlpacaSessionEndedException(AlpacaSessionEndKind.Transient,
                        $"server closed the connection ({socket.CloseStatus} {socket.CloseStatusDescription})".TrimEnd());
                }

                length += result.Count;
                if (!result.EndOfMessage) continue;
                await HandleMessageAsync(result.MessageType, buffer.AsMemory(0, length), stop);
                length = 0;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task HandleMessageAsync(WebSocketMessageType type, ReadOnlyMemory<byte> message, CancellationToken stop)
    {
        var frame = decoder.Decode(type, message);
        if (frame.EventCount > 0)
        {
            _lastDataAt = time.GetTimestamp();
            client.Deliver(frame.Events);
        }

        foreach (var control in frame.Controls)
        {
            await HandleControlAsync(control, stop);
        }
    }

    private async Task HandleControlAsync(AlpacaControlMessage control, CancellationToken stop)
    {
        switch (control.Kind)
        {
            case AlpacaControlKind.Success when control.Message == "connected" && !_authSent:
                _authSent = true;
                await SendAsync(AlpacaRequests.Auth(settings.KeyId, settings.SecretKey), stop);
                break;
            case AlpacaControlKind.Success when control.Message == "authenticated":
                await OnAuthenticatedAsync(stop);
                break;
            case AlpacaControlKind.Subscription:
                OnSubscription(control);
                break;
            case AlpacaControlKind.Error:
                await OnErrorAsync(control.Code, control.Message ?? "", stop);
                break;
        }
    }

    private async Task OnAuthenticatedAsync(CancellationToken stop)
    {
        _authenticatedAt = time.GetTimestamp();
        _authenticated = true;
        _subscribedAt = _authenticatedAt;
        client.OnAuthenticated(this);
        await SynchronizeSubscriptionsAsync(stop);
    }

    private void OnSubscription(AlpacaControlMessage control)
    {
        TakePendingRequest();
        var quotes = new HashSet<string>(control.Quotes, StringComparer.Ordinal);
        _serverQuotes = quotes;
        _subscribedAt = time.GetTimestamp();
        client.OnSubscribed(quotes);
        if (_authenticated) client.ReportLive();
        Log.AlpacaSubscribed(logger, control.Quotes.Count, control.Trades.Count);
    }

    private async Task OnErrorAsync(int code, string message, CancellationToken stop)
    {
        switch (code)
        {
            case AlpacaErrorCodes.SymbolLimitExceeded:
            {
                // The server kept the subscription as it was: whatever that request asked for and did not get is refused.
                var refused = TakePendingRequest().Where(s => !_serverQuotes.Contains(s)).ToList();
                client.OnRefused(refused);
                await _send.WaitAsync(stop);
                try
                {
                    _requested.ExceptWith(refused);
                }
                finally
                {
                    _send.Release();
                }

                var health = client.ReportLive();
                Log.AlpacaError(logger, code, message, $"subscription kept as it was; {health.LastError}");
                return;
            }

            case AlpacaErrorCodes.InvalidSyntax:
                TakePendingRequest();
                Log.AlpacaError(logger, code, message, "request ignored by the server; session kept");
                return;
            case AlpacaErrorCodes.AlreadyAuthenticated:
                Log.AlpacaError(logger, code, message, "ignored; session kept");
                return;
            case AlpacaErrorCodes.ConnectionLimitExceeded:
                throw new AlpacaSessionEndedException(AlpacaSessionEndKind.ConnectionLimit,
                    $"406 {message}: another session still holds this key; waiting past the ~90 s reaping window", code);
            case var _ when AlpacaErrorCodes.IsConfigurationError(code):
                throw new AlpacaSessionEndedException(AlpacaSessionEndKind.Configuration,
                    $"{code} {message}: {AlpacaErrorCodes.Advice(code)}", code);
            default:
                throw new AlpacaSessionEndedException(AlpacaSessionEndKind.Transient, $"{code} {message}", code);
        }
    }

    private async Task WatchAsync(CancellationToken stop)
    {
        var limits = new[] { settings.HandshakeTimeout, settings.SilenceTimeout }.Where(t => t > TimeSpan.Zero);
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, limits.Min().Ticks / 5));
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(period, time, stop);
            if (!_authenticated)
            {
                if (time.GetElapsedTime(_openedAt) > settings.HandshakeTimeout)
                {
                    Abort(new AlpacaSessionEndedException(AlpacaSessionEndKind.Transient,
                        $"no `authenticated` within {settings.HandshakeTimeout.TotalSeconds:0.#} s of connecting"));
                    return;
                }

                continue;
            }

            if (settings.SilenceTimeout <= TimeSpan.Zero || client.WantedSymbols.Count == 0 || !settings.DataExpected(time.GetUtcNow())) continue;
            var silent = time.GetElapsedTime(Math.Max(_lastDataAt, _subscribedAt));
            if (silent > settings.SilenceTimeout)
            {
                Log.AlpacaSilent(logger, silent.TotalSeconds);
                Abort(new AlpacaSessionEndedException(AlpacaSessionEndKind.Transient,
                    $"no data for {silent.TotalSeconds:0} s on an open connection while the market is open; rebuilt"));
                return;
            }
        }
    }

    private void Abort(AlpacaSessionEndedException reason)
    {
        AbortReason ??= reason;
        socket.Abort();
    }

    private void Enqueue(string[] symbols)
    {
        lock (_pendingRequests) _pendingRequests.Enqueue(symbols);
    }

    private string[] TakePendingRequest()
    {
        lock (_pendingRequests) return _pendingRequests.TryDequeue(out var symbols) ? symbols : [];
    }

    private async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            await SendLockedAsync(message, cancellationToken);
        }
        finally
        {
            _send.Release();
        }
    }

    private ValueTask SendLockedAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
}
