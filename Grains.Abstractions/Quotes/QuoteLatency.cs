namespace QuoteCluster.Quotes;

/// <summary>
/// The one latency every benchmark, test and metric reports: from the quote's exchange timestamp (`ts`), which the
/// feed stamps when it sends (the simulators stamp their send time), to the moment it is read where it is measured.
/// </summary>
/// <remarks>
/// With Alpaca the timestamp is the exchange's, so the figure includes the feed's own delay and any clock skew; a
/// negative figure (a clock behind the exchange's) is reported as zero.
/// </remarks>
public static class QuoteLatency
{
    public static TimeSpan Since(Quote quote, DateTimeOffset readAt) => Since(quote.ExchangeTime, readAt);

    /// <summary>The same, from the exchange timestamp as a client reads it off the wire (`ts`, `timestamp`).</summary>
    public static TimeSpan Since(DateTimeOffset exchangeTime, DateTimeOffset readAt)
    {
        var elapsed = readAt - exchangeTime;
        return elapsed > TimeSpan.Zero ? elapsed : TimeSpan.Zero;
    }
}
