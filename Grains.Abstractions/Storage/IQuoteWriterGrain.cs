namespace QuoteCluster.Storage;

/// <summary>One partition of the storage writer, keyed by partition number; fed by the quote-writes stream.</summary>
[Alias("QuoteCluster.IQuoteWriterGrain")]
public interface IQuoteWriterGrain : IGrainWithStringKey
{
    /// <summary>Writes everything pending that the budget and per-document interval allow before <paramref name="deadline"/>.</summary>
    [Alias("Flush")]
    Task<int> FlushAsync(TimeSpan deadline);

    [Alias("GetPendingCount")]
    Task<int> GetPendingCountAsync();
}
