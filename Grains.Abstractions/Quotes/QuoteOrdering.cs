namespace QuoteCluster.Quotes;

/// <summary>What "newer" means for two quotes of one symbol, wherever quotes are merged or held.</summary>
/// <remarks>
/// Exchange time orders quotes, but one bad exchange timestamp in the future would otherwise make every real quote
/// after it look older and freeze the symbol until that moment. So a held quote dated further ahead of its own receipt
/// than <see cref="FutureTolerance"/> orders nothing: whatever arrives next supersedes it.
/// </remarks>
public static class QuoteOrdering
{
    /// <summary>How far ahead of its receipt an exchange time may be and still be trusted (clock skew, not a bug).</summary>
    public static TimeSpan FutureTolerance { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether a quote stamped <paramref name="incoming"/> replaces one stamped <paramref name="held"/> received at <paramref name="heldReceivedAt"/>.</summary>
    public static bool Supersedes(DateTimeOffset incoming, DateTimeOffset held, DateTimeOffset heldReceivedAt) =>
        incoming >= held || held > heldReceivedAt + FutureTolerance;
}
