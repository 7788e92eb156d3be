using System.Net.WebSockets;
using QuoteCluster.Ingest;
using QuoteCluster.Logging;

namespace QuoteCluster.Feeds.Alpaca;

public sealed partial class AlpacaStreamClient
{
    private string? RefusedSummary()
    {
        lock (_gate)
        {
            return _refused.Count == 0 ? null : $"405 symbol limit exceeded: refused {string.Join(", ", _refused.Order(StringComparer.Ordinal))}";
        }
    }

    /// <summary>One WebSocket connection: its handshake, what it asked for and what the server confirmed.</summary>
    private sealed class Session(AlpacaStreamClient client, ClientWebSocket socket)
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        // The server answers subscribe and unsubscribe requests in order, each with a `subscription` or an error;
        // each entry is the symbols a request asked for (empty for unsubscribes), so a 405 names the refused ones.
        private readonly Queue<string[]> _pendingRequests = new();
        private HashSet<string> _requested = new(StringComparer.Ordinal);
        private bool _authSent;
        private volatile bool _authenticated;
        private volatile HashSet<string> _serverQuotes = new(StringComparer.Ordinal);

        public ClientWebSocket Socket => socket;

        public long OpenedAt { get; } = client._time.GetTimestamp();

        public bool Authenticated => _authenticated;

        public long LastDataAt { get; set; }

        public long SubscribedAt { get; private set; }

        public IReadOnlySet<string> ServerQuotes => _serverQuotes;

        /// <summary>Why the watchdog tore the socket down; the receive loop's error says less.</summary>
        public AlpacaSessionEndedException? AbortReason { get; private set; }

        public void Abort(AlpacaSessionEndedException reason)
        {
            AbortReason ??= reason;
            socket.Abort();
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

        public async Task HandleControlAsync(AlpacaControlMessage control, CancellationToken stop)
        {
            switch (control.Kind)
            {
                case AlpacaControlKind.Success when control.Message == "connected" && !_authSent:
                    _authSent = true;
                    await SendAsync(AlpacaRequests.Auth(client._settings.KeyId, client._settings.SecretKey), stop);
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
            _authenticated = true;
            SubscribedAt = client._time.GetTimestamp();
            client._backoff.Reset();
            client._counters.CountAuthentication();
            lock (client._gate)
            {
                client._session = this;
            }

            client._health = new FeedHealth(FeedState.Live, true, client.RefusedSummary());
            Log.AlpacaAuthenticated(client._logger, client._settings.Endpoint.ToString(), client.Authentications);
            await SynchronizeSubscriptionsAsync(stop);
        }

        private void OnSubscription(AlpacaControlMessage control)
        {
            TakePendingRequest();
            var quotes = new HashSet<string>(control.Quotes, StringComparer.Ordinal);
            _serverQuotes = quotes;
            SubscribedAt = client._time.GetTimestamp();
            lock (client._gate)
            {
                client._refused.ExceptWith(quotes);
            }

            if (_authenticated) client._health = new FeedHealth(FeedState.Live, true, client.RefusedSummary());
            Log.AlpacaSubscribed(client._logger, control.Quotes.Count, control.Trades.Count);
        }

        private async Task OnErrorAsync(int code, string message, CancellationToken stop)
        {
            switch (code)
            {
                case AlpacaErrorCodes.SymbolLimitExceeded:
                {
                    // The server kept the subscription as it was: whatever that request asked for and did not get is refused.
                    var refused = TakePendingRequest().Where(s => !_serverQuotes.Contains(s)).ToList();
                    lock (client._gate)
                    {
                        client._refused.UnionWith(refused.Where(client._wanted.Contains));
                    }

                    await _send.WaitAsync(stop);
                    try
                    {
                        _requested.ExceptWith(refused);
                    }
                    finally
                    {
                        _send.Release();
                    }

                    var summary = client.RefusedSummary();
                    client._health = new FeedHealth(FeedState.Live, true, summary);
                    Log.AlpacaError(client._logger, code, message, $"subscription kept as it was; {summary}");
                    return;
                }

                case AlpacaErrorCodes.InvalidSyntax:
                    TakePendingRequest();
                    Log.AlpacaError(client._logger, code, message, "request ignored by the server; session kept");
                    return;
                case AlpacaErrorCodes.AlreadyAuthenticated:
                    Log.AlpacaError(client._logger, code, message, "ignored; session kept");
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

        /// <summary>Brings this session's subscription to the wanted set with delta requests in chunks.</summary>
        /// <remarks>Under the send lock, against what this session already asked for, so concurrent calls converge.</remarks>
        public async Task SynchronizeSubscriptionsAsync(CancellationToken cancellationToken)
        {
            if (!_authenticated) return;
            await _send.WaitAsync(cancellationToken);
            try
            {
                var target = client._wanted;
                var removed = _requested.Where(s => !target.Contains(s)).ToList();
                var added = target.Where(s => !_requested.Contains(s)).ToList();
                foreach (var chunk in removed.Chunk(client._settings.SubscribeChunkSize))
                {
                    Enqueue([]);
                    await SendLockedAsync(AlpacaRequests.Unsubscribe(chunk), cancellationToken);
                }

                foreach (var chunk in added.Chunk(client._settings.SubscribeChunkSize))
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
}
