using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace QuoteCluster.Tests.Api;

/// <summary>Sends text messages to the gateway's WebSocket and reads its JSON messages, as a client does.</summary>
internal static class WebSocketMessages
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public static Task SendAsync(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next message of one of <paramref name="types"/>; messages of other types are skipped.</summary>
    public static Task<JsonElement> NextAsync(WebSocket socket, params string[] types) => NextAsync(socket, types.Contains);

    /// <summary>The next message whose `type` <paramref name="wanted"/> accepts; a closed socket fails the wait.</summary>
    public static async Task<JsonElement> NextAsync(WebSocket socket, Func<string?, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(Wait);
        var buffer = new byte[1 << 16];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close) throw new WebSocketException("the gateway closed the socket");
            var message = JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement;
            if (wanted(message.GetProperty("type").GetString())) return message;
        }
    }
}
