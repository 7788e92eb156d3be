namespace QuoteCluster.Security;

/// <summary>The authorization policies route groups require (`RequireAuthorization(QuoteClusterPolicies.Read)`).</summary>
public static class QuoteClusterPolicies
{
    /// <summary>Read or admin, by header: quotes, stream status, ticket requests.</summary>
    public const string Read = "read";

    /// <summary>Read or admin, by header or by stream ticket: `/api/stream/prices` and `/api/ws`.</summary>
    public const string Stream = "stream";

    /// <summary>Admin only: subscriptions, `/api/cluster`, `/dashboard`, `/metrics`.</summary>
    public const string Admin = "admin";
}
