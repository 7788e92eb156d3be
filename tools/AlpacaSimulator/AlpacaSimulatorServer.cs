using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using QuoteCluster.Feeds.Alpaca;

namespace QuoteCluster.AlpacaSimulator;

/// <summary>
/// A loopback server that speaks Alpaca's real-time stock stream (v2) as docs/alpaca.md describes it, in JSON and
/// msgpack, serving generated quotes and trades and acting out the faults a client must survive.
/// </summary>
public sealed class AlpacaSimulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<int, SimulatorSession> _sessions = new();
    private readonly Lock _slots = new();
    private readonly Dictionary<string, int> _activeByKey = new(StringComparer.Ordinal);
    private readonly List<(string Key, DateTimeOffset Until)> _ghosts = [];
    private readonly ConcurrentQueue<DateTimeOffset> _connectionTimes = new();
    private readonly ConcurrentDictionary<int, int> _errorsSent = new();
    private readonly ConcurrentQueue<RestRequest> _restRequests = new();
    private readonly Lock _restFailures = new();
    private int _nextSession;
    private long _itemsSent;
    private long _malformedSent;
    private long _authentications;

    private AlpacaSimulatorServer(WebApplication app, SimulatorOptions options, ILogger logger)
    {
        _app = app;
        Options = options;
        Logger = logger;
        Market = new LatestMarketData(options);
    }

    public SimulatorOptions Options { get; }

    public SimulatorFaults Faults => Options.Faults;

    internal ILogger Logger { get; }

    internal LatestMarketData Market { get; }

    /// <summary>The base URL to give a client as ALPACA_STREAM_URL (it appends `/v2/{feed}`).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The base URL to give a client as APCA_API_DATA_URL: the same port, over plain HTTP.</summary>
    public Uri DataUrl { get; private set; } = null!;

    /// <summary>The REST requests answered so far, in order.</summary>
    public IReadOnlyList<RestRequest> RestRequests => [.. _restRequests];

    public IReadOnlyCollection<SimulatorSession> Sessions => [.. _sessions.Values];

    /// <summary>When each WebSocket connection was accepted: how the tests check a client's backoff.</summary>
    public IReadOnlyList<DateTimeOffset> ConnectionTimes => [.. _connectionTimes];

    public long Authentications => Interlocked.Read(ref _authentications);

    public long ItemsSent => Interlocked.Read(ref _itemsSent);

    /// <summary>Messages sent malformed (`--malformed-every`), over all sessions.</summary>
    public long MalformedSent => Interlocked.Read(ref _malformedSent);

    /// <summary>How many different malformed messages <paramref name="codec"/> sessions send in turn.</summary>
    public static int MalformedKinds(AlpacaCodec codec) => MalformedMessages.Count(codec);

    public int ErrorsSent(int code) => _errorsSent.GetValueOrDefault(code);

    public static async Task<AlpacaSimulatorServer> StartAsync(SimulatorOptions options, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var server = new AlpacaSimulatorServer(app, options, (loggers ?? NullLoggerFactory.Instance).CreateLogger("AlpacaSimulator"));

        // Pings are the client's job (as Alpaca's SDKs do); the server only answers them.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Map("/v2/{feed}", server.AcceptAsync);
        new MarketDataApi(server, server.Market).Map(app);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal));
        server.DataUrl = new Uri(address);
        return server;
    }

    /// <summary>Drops every open connection at once, as a network failure or a server restart would.</summary>
    public async Task DropAllAsync(DropMode mode)
    {
        await Task.WhenAll(_sessions.Values.Select(s => s.DropAsync(mode)));
    }

    public async ValueTask DisposeAsync()
    {
        await DropAllAsync(DropMode.CloseFrame);
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AcceptAsync(HttpContext context, string feed)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("this endpoint speaks WebSocket only");
            return;
        }

        if (!Options.Feeds.Contains(feed, StringComparer.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // The codec is chosen by the upgrade request's Content-Type, as Alpaca does; JSON when none is given.
        var codec = context.Request.ContentType?.StartsWith("application/msgpack", StringComparison.OrdinalIgnoreCase) == true
            ? AlpacaCodec.MessagePack
            : AlpacaCodec.Json;
        _connectionTimes.Enqueue(DateTimeOffset.UtcNow);
        // permessage-deflate is offered to clients that ask (JS v3 and Go do), as Alpaca does.
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = true });
        var session = new SimulatorSession(this, Interlocked.Increment(ref _nextSession), feed, codec, socket, context);
        _sessions[session.Id] = session;
        Logger.LogInformation("session {Session} opened on {Feed} ({Codec})", session.Id, feed, codec);
        try
        {
            await session.RunAsync(context.RequestAborted);
        }
        finally
        {
            _sessions.TryRemove(session.Id, out _);
            Logger.LogInformation("session {Session} ended: {Reason}", session.Id, session.EndReason);
        }
    }

    /// <summary>Claims one of the key's connection slots, counting ghosts of sessions that vanished without a close.</summary>
    internal bool TryClaimSlot(string key)
    {
        lock (_slots)
        {
            var now = DateTimeOffset.UtcNow;
            _ghosts.RemoveAll(g => g.Until <= now);
            var used = _activeByKey.GetValueOrDefault(key) + _ghosts.Count(g => g.Key == key);
            if (used >= Faults.ConnectionLimit) return false;
            _activeByKey[key] = _activeByKey.GetValueOrDefault(key) + 1;
            Interlocked.Increment(ref _authentications);
            return true;
        }
    }

    internal void ReleaseSlot(string key, bool clean)
    {
        lock (_slots)
        {
            _activeByKey[key] = Math.Max(0, _activeByKey.GetValueOrDefault(key) - 1);
            if (!clean && Faults.GhostSession > TimeSpan.Zero)
            {
                _ghosts.Add((key, DateTimeOffset.UtcNow + Faults.GhostSession));
            }
        }
    }

    internal void CountError(int code) => _errorsSent.AddOrUpdate(code, 1, (_, n) => n + 1);

    internal void CountItems(int items) => Interlocked.Add(ref _itemsSent, items);

    internal void CountMalformed() => Interlocked.Increment(ref _malformedSent);

    internal void RecordRestRequest(RestRequest request) => _restRequests.Enqueue(request);

    /// <summary>Whether this REST request is one of the failures <see cref="SimulatorFaults.RestFailures"/> still owes.</summary>
    internal bool TakeRestFailure()
    {
        lock (_restFailures)
        {
            if (Faults.RestFailures <= 0) return false;
            Faults.RestFailures--;
            return true;
        }
    }
}
