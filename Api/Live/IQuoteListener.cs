using QuoteCluster.Quotes;

namespace QuoteCluster.Api.Live;

/// <summary>Receives the updates of one symbol inside a gateway: an SSE response, a WebSocket, a test.</summary>
public interface IQuoteListener
{
    /// <summary>
    /// Called with strictly increasing versions per symbol; must not block. A listener of every symbol is the exception
    /// when a symbol leaves the ingested list and comes back: it gets that symbol's latest quote again.
    /// </summary>
    void OnQuote(QuoteUpdate update);
}
