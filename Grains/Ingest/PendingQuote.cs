using QuoteCluster.Feeds;

namespace QuoteCluster.Ingest;

/// <summary>The newest quote of a symbol not yet delivered, and how many quotes it stands for.</summary>
internal struct PendingQuote
{
    public QuoteTick Latest;
    public int Count;
}
