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

    /// <summary>The load tool's side: this same executable in server mode, under the Api's runtime settings.</summary>
    public static Task<ServerProcess> StartAsync(string apiDll) => ServerProcess.StartSiblingAsync(apiDll, "/", Flag);
}
