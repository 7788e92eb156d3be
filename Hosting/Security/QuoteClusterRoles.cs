namespace QuoteCluster.Security;

/// <summary>
/// Who may do what. `read`: quotes, the streams and their status. `admin`: that, and what changes or exposes the cluster
/// (subscriptions, `/api/cluster`, `/dashboard`, `/metrics`).
/// </summary>
/// <remarks>
/// The role lives in a claim of our own type, which every scheme sets after checking the credential and strips from what
/// an identity provider sent, so no token can name its own role.
/// </remarks>
public static class QuoteClusterRoles
{
    public const string ClaimType = "quotecluster:role";
    public const string Read = "read";
    public const string Admin = "admin";
}
