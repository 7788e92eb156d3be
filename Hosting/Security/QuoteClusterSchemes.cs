namespace QuoteCluster.Security;

/// <summary>One authentication scheme per kind of credential.</summary>
public static class QuoteClusterSchemes
{
    /// <summary>Static tokens for machines: API_TOKEN (admin) and API_READ_TOKENS.</summary>
    public const string StaticToken = "static-token";

    /// <summary>JSON Web Tokens from the users' identity provider (JWT_* or the Firebase preset).</summary>
    public const string Jwt = "jwt";

    /// <summary>The gateway's own short-lived stream tickets, in `?ticket=` on the stream routes only.</summary>
    public const string StreamTicket = "stream-ticket";
}
