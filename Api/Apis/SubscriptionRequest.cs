namespace QuoteCluster.Api;

public sealed record SubscriptionRequest(IReadOnlyList<string>? Symbols);
