using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using QuoteCluster.Feeds.Alpaca;
using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Symbols;

namespace QuoteCluster.AlpacaSimulator;

/// <summary>One client connection: the handshake, its subscriptions, its data and the faults it is dealt.</summary>
public sealed class SimulatorSession
{
    private static readonly string[] StockChannels = ["trades", "quotes", "bars", "updatedBars", "dailyBars", "statuses", "lulds", "imbalances"];

    private readonly AlpacaSimulatorServer _server;
    private readonly WebSocket _socket;
    private readonly HttpContext _context;
    private readonly ServerMessages _messages;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<string>> _channels = StockChannels.ToDictionary(c => c, _ => new HashSet<string>(StringComparer.Ordinal));
    private readonly CancellationTokenSource _end = new();
    private readonly long _openedAt = Stopwatch.GetTimestamp();
    private long _authenticatedAt;
    private int _subscriptionVersion;
    private string? _key;
    private bool _slotClaimed;
    private bool _endedCleanly;

    internal SimulatorSession(AlpacaSimulatorServer server, int id, string feed, AlpacaCodec codec, WebSocket socket, HttpContext context)
    {
        _server = server;
        Id = id;
        Feed = feed;
        _socket = socket;
        _context = context;
        _messages = new ServerMessages(codec);
    }

    public int Id { get; }

    public string Feed { get; }

    public AlpacaCodec Codec => _messages.Codec;

    public bool Authenticated => _key is not null && _slotClaimed;

    public string EndReason { get; private set; } = "open";

    /// <summary>The requests this session received, in order (actions only), for tests of client behaviour.</summary>
    public List<string> Requests { get; } = [];

    public IReadOnlySet<string> QuoteSymbols
    {
        get
        {
            lock (_gate) return new HashSet<string>(_channels["quotes"], StringComparer.Ordinal);
        }
    }

    public IReadOnlySet<string> TradeSymbols
    {
        get
        {
            lock (_gate) return new HashSet<string>(_channels["trades"], StringComparer.Ordinal);
        }
    }

    internal async Task RunAsync(CancellationToken aborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, _end.Token);
        var token = linked.Token;
        var background = Task.WhenAll(SendDataAsync(token), ActOutTimedFaultsAsync(token));
        try
        {
            if (_server.Faults.DropEvery == TimeSpan.Zero)
            {
                // "Drop every connection at once": before even `connected`, as a server that keeps failing would.
                await DropAsync(_server.Faults.DropMode);
                return;
            }

            await SendAsync(_messages.Success("connected"), token);

            // Header auth, the documented alternative to the auth message: authenticated as soon as connected.
            var headers = _context.Request.Headers;
            if (headers.TryGetValue("APCA-API-KEY-ID", out var key) && headers.TryGetValue("APCA-API-SECRET-KEY", out var secret))
            {
                await HandleRequestAsync(new ClientRequest("auth", key.ToString(), secret.ToString(), new Dictionary<string, IReadOnlyList<string>>()), token);
            }

            await ReceiveAsync(token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            if (EndReason == "open") EndReason = $"connection lost: {e.Message}";
        }
        finally
        {
            await _end.CancelAsync();
            await background.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (_slotClaimed) _server.ReleaseSlot(_key!, _endedCleanly);
        }
    }

    internal async Task DropAsync(DropMode mode)
    {
        EndReason = $"dropped by the simulator ({mode})";
        if (mode == DropMode.CloseFrame)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "going away", timeout.Token);
                return;
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                // Already closing or gone: end it now.
            }
        }
        else
        {
            // As a network failure: no close frame, the TCP connection just ends.
            _context.Abort();
        }

        await _end.CancelAsync();
    }

    private async Task ReceiveAsync(CancellationToken token)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        while (!token.IsCancellationRequested)
        {
            var result = await _socket.ReceiveAsync(buffer.GetMemory(4096), token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                _endedCleanly = true;
                if (EndReason == "open") EndReason = "closed by the client";
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }

                return;
            }

            buffer.Advance(result.Count);
            if (!result.EndOfMessage) continue;
            await HandleRequestAsync(ClientRequest.TryParse(buffer.WrittenMemory), token);
            buffer.ResetWrittenCount();
        }
    }

    private async Task HandleRequestAsync(ClientRequest? request, CancellationToken token)
    {
        lock (Requests) Requests.Add(request?.Action ?? "(invalid)");
        switch (request?.Action)
        {
            case null:
                await ErrorAsync(AlpacaErrorCodes.InvalidSyntax, "invalid syntax", token);
                return;
            case "auth":
                await AuthenticateAsync(request, token);
                return;
            case "subscribe" or "unsubscribe" when !Authenticated:
                await ErrorAsync(AlpacaErrorCodes.NotAuthenticated, "not authenticated", token);
                return;
            case "subscribe" or "unsubscribe":
                await ChangeSubscriptionAsync(request, token);
                return;
            default:
                await ErrorAsync(AlpacaErrorCodes.InvalidSyntax, "invalid syntax", token);
                return;
        }
    }

    private async Task AuthenticateAsync(ClientRequest request, CancellationToken token)
    {
        if (Authenticated)
        {
            await ErrorAsync(AlpacaErrorCodes.AlreadyAuthenticated, "already authenticated", token);
            return;
        }

        var options = _server.Options;
        var credentialsOk = !string.IsNullOrEmpty(request.Key) && !string.IsNullOrEmpty(request.Secret)
            && (options.Key is null || (request.Key == options.Key && request.Secret == options.Secret));
        if (_server.Faults.RejectAuth || !credentialsOk)
        {
            await RefuseAsync(AlpacaErrorCodes.AuthFailed, "auth failed", token);
            return;
        }

        if (options.DenyFeeds.Contains(Feed, StringComparer.Ordinal))
        {
            await RefuseAsync(AlpacaErrorCodes.InsufficientSubscription, "insufficient subscription", token);
            return;
        }

        _key = request.Key!;
        if (!_server.TryClaimSlot(_key))
        {
            await RefuseAsync(AlpacaErrorCodes.ConnectionLimitExceeded, "connection limit exceeded", token);
            return;
        }

        _slotClaimed = true;
        _authenticatedAt = Stopwatch.GetTimestamp();
        await SendAsync(_messages.Success("authenticated"), token);
    }

    /// <summary>402, 406, 409: whether Alpaca then closes the socket is not known, so either can be acted out.</summary>
    private async Task RefuseAsync(int code, string message, CancellationToken token)
    {
        await ErrorAsync(code, message, token);
        if (_server.Faults.KeepSocketOnError) return;
        EndReason = $"refused with {code}";
        await CloseAsync(WebSocketCloseStatus.PolicyViolation, message, token);
    }

    private async Task ChangeSubscriptionAsync(ClientRequest request, CancellationToken token)
    {
        var unknown = request.Channels.Keys.FirstOrDefault(c => !_channels.ContainsKey(c));
        if (unknown is not null)
        {
            await ErrorAsync(AlpacaErrorCodes.InvalidSubscribeAction, "invalid subscribe action for this feed", token);
            return;
        }

        if (request.Channels.Values.SelectMany(s => s).Any(s => s != "*" && !(Symbol.TryNormalize(s, out var normal, out _) && normal == s)))
        {
            await ErrorAsync(AlpacaErrorCodes.InvalidSyntax, "invalid syntax", token);
            return;
        }

        byte[] reply;
        lock (_gate)
        {
            var next = _channels.ToDictionary(c => c.Key, c => new HashSet<string>(c.Value, StringComparer.Ordinal));
            foreach (var (channel, symbols) in request.Channels)
            {
                if (request.Action == "subscribe") next[channel].UnionWith(symbols);
                else next[channel].ExceptWith(symbols);
            }

            var limit = _server.Faults.SymbolLimit;
            if (limit > 0 && next.Values.SelectMany(s => s).Where(s => s != "*").Distinct().Count() > limit)
            {
                reply = [];
            }
            else
            {
                foreach (var (channel, symbols) in next) _channels[channel] = symbols;
                _subscriptionVersion++;
                reply = _messages.Subscription(CurrentLists());
            }
        }

        if (reply.Length == 0)
        {
            await ErrorAsync(AlpacaErrorCodes.SymbolLimitExceeded, "symbol limit exceeded", token);
            return;
        }

        await SendAsync(reply, token);
    }

    private Dictionary<string, IReadOnlyCollection<string>> CurrentLists()
    {
        var lists = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal);
        foreach (var channel in StockChannels.Where(c => c != "imbalances")) lists[channel] = [.. _channels[channel]];

        // Corrections and cancel/errors come implicitly with trades.
        lists["corrections"] = [.. _channels["trades"]];
        lists["cancelErrors"] = [.. _channels["trades"]];
        return lists;
    }

    private async Task SendDataAsync(CancellationToken token)
    {
        var market = new SimulatedMarket(_server.Options, Id, _server.Market);
        var version = -1;
        var sent = 0L;
        var messages = 0L;
        var started = Stopwatch.GetTimestamp();
        while (!token.IsCancellationRequested)
        {
            var faults = _server.Faults;
            var silent = faults.Silent || (faults.SilentAfter is { } after && Stopwatch.GetElapsedTime(_openedAt) > after);
            if (!Authenticated || silent)
            {
                await Task.Delay(20, token);
                continue;
            }

            lock (_gate)
            {
                if (version != _subscriptionVersion)
                {
                    version = _subscriptionVersion;
                    market.Subscribe(_channels["quotes"], _channels["trades"]);
                }
            }

            if (market.IsEmpty)
            {
                await Task.Delay(20, token);
                continue;
            }

            int items;
            if (_server.Options.Rate <= 0)
            {
                items = _server.Options.FrameSize;
            }
            else
            {
                await Task.Delay(10, token);

                // Paced by elapsed time, so a late tick catches up rather than lowering the rate.
                var owed = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * _server.Options.Rate) - sent;
                if (owed <= 0) continue;
                items = (int)Math.Min(owed, _server.Options.FrameSize);
            }

            messages++;
            var malformed = faults.MalformedEvery > 0 && messages % faults.MalformedEvery == 0;
            var payload = malformed
                ? MalformedMessages.Get(Codec, messages / faults.MalformedEvery - 1)
                : market.NextMessage(_messages, items);
            if (malformed) _server.CountMalformed();
            await SendDataMessageAsync(payload, token);
            sent += items;
            _server.CountItems(items);
        }
    }

    /// <summary>A client that cannot take data fast enough is told 407 and dropped, as Alpaca does.</summary>
    private async Task SendDataMessageAsync(byte[] payload, CancellationToken token)
    {
        using var slow = CancellationTokenSource.CreateLinkedTokenSource(token);
        slow.CancelAfter(_server.Options.SlowClientTimeout);
        try
        {
            await SendAsync(payload, slow.Token);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            await DeclareSlowAsync();
        }
    }

    private async Task DeclareSlowAsync()
    {
        EndReason = "slow client (407)";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await ErrorAsync(AlpacaErrorCodes.SlowClient, "slow client", timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        _context.Abort();
        await _end.CancelAsync();
    }

    private async Task ActOutTimedFaultsAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            await Task.Delay(50, token);
            var faults = _server.Faults;
            if (faults.DropEvery is { } every && Stopwatch.GetElapsedTime(_openedAt) >= every)
            {
                await DropAsync(faults.DropMode);
                return;
            }

            if (faults.DeclareSlowAfter is { } slowAfter && _authenticatedAt != 0 && Stopwatch.GetElapsedTime(_authenticatedAt) >= slowAfter)
            {
                await DeclareSlowAsync();
                return;
            }

            if (_key is null && Stopwatch.GetElapsedTime(_openedAt) >= _server.Options.AuthTimeout)
            {
                EndReason = "auth timeout (404)";
                await ErrorAsync(AlpacaErrorCodes.AuthTimeout, "auth timeout", token);
                await CloseAsync(WebSocketCloseStatus.PolicyViolation, "auth timeout", token);
                return;
            }
        }
    }

    /// <summary>Sends a close frame and lets the client answer it, so what was sent before is read, not reset away.</summary>
    private async Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken token)
    {
        _endedCleanly = true;
        await _send.WaitAsync(token);
        try
        {
            await _socket.CloseOutputAsync(status, description, token);
        }
        finally
        {
            _send.Release();
        }

        _end.CancelAfter(TimeSpan.FromSeconds(2));
    }

    private async Task ErrorAsync(int code, string message, CancellationToken token)
    {
        _server.CountError(code);
        await SendAsync(_messages.Error(code, message), token);
    }

    private async Task SendAsync(byte[] message, CancellationToken token)
    {
        var type = Codec == AlpacaCodec.Json ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
        await _send.WaitAsync(token);
        try
        {
            await _socket.SendAsync(message, type, endOfMessage: true, token);
        }
        finally
        {
            _send.Release();
        }
    }
}
