using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace QuoteCluster.LoadTool;

/// <summary>
/// The floor for an idle WebSocket: plain Kestrel with ASP.NET Core's WebSocket middleware (the gateway's keep-alive
/// settings), accepting each socket and awaiting its next message into a 256-byte buffer. Nothing of QuoteCluster's.
/// Run as a child process of the load tool, so its memory is measured exactly as the gateway's is.
/// </summary>
internal static class BareWebSocketServer
{
    public const string Flag = "--bare-websocket-server";

    /// <summary>The child's side: serve on the given port until killed.</summary>
    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.Map("/api/ws", async context =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[256];
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close) break;
            }
        });
        await app.RunAsync();
    }

    /// <summary>The load tool's side: this same executable, in server mode, with the gateway's GC setting.</summary>
    public static async Task<ServerProcess> StartAsync()
    {
        var port = ServerProcess.FreePort();
        var start = new ProcessStartInfo("dotnet", [typeof(BareWebSocketServer).Assembly.Location, Flag, port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["DOTNET_gcServer"] = Environment.GetEnvironmentVariable("GATEWAY_GC_SERVER") ?? "1" },
        };
        var server = new ServerProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the bare server"), new Uri($"http://127.0.0.1:{port}"));
        using var probe = new HttpClient { BaseAddress = server.Address };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await probe.GetAsync("/");
                return server;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }

        await server.DisposeAsync();
        throw new TimeoutException("the bare WebSocket server did not start within 30 s");
    }
}
