using System.Net.Http.Headers;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>The WebSocket upgrade request that asks for a codec.</summary>
/// <remarks>
/// `ClientWebSocketOptions.SetRequestHeader("Content-Type", ...)` is silently dropped: the socket copies its headers
/// with `TryAddWithoutValidation` onto the request's own headers, which refuse a content header. Without it the server
/// answers in JSON, so the header goes on an empty request body, through an invoker given to `ClientWebSocket.ConnectAsync`.
/// </remarks>
public static class AlpacaUpgrade
{
    public static HttpMessageInvoker CreateInvoker(AlpacaCodec codec) => new(new ContentTypeHandler(codec));

    private sealed class ContentTypeHandler(AlpacaCodec codec) : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly MediaTypeHeaderValue _mediaType = new(codec == AlpacaCodec.MessagePack ? "application/msgpack" : "application/json");

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Content ??= new ByteArrayContent([]);
            request.Content.Headers.ContentType = _mediaType;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
