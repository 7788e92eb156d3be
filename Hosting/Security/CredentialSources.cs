using Microsoft.AspNetCore.Http;

namespace QuoteCluster.Security;

/// <summary>
/// Where a request may carry a long-lived credential: the `Authorization: Bearer` header everywhere; on `/dashboard`
/// also `?access_token=` once and then the HttpOnly cookie it sets, because a browser cannot put a header on a page it
/// navigates to. Nowhere else is a long-lived credential read from a URL: stream URLs take tickets only.
/// </summary>
public static class CredentialSources
{
    public const string DashboardCookie = "quotecluster_token";
    public const string QueryToken = "access_token";
    public const string QueryTicket = "ticket";

    public static bool IsDashboard(HttpRequest request) => request.Path.StartsWithSegments("/dashboard");

    /// <summary>The credential the request presents, and whether it came in the dashboard's URL.</summary>
    public static (string? Credential, bool FromQuery) Find(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var bearer = header["Bearer ".Length..].Trim();
            return (bearer.Length == 0 ? null : bearer, false);
        }

        if (!IsDashboard(request)) return (null, false);
        var query = request.Query[QueryToken].ToString();
        return query.Length > 0 ? (query, true) : (request.Cookies[DashboardCookie], false);
    }

    /// <summary>Three dot-separated parts: for the JWT scheme to judge, not the static-token one.</summary>
    public static bool LooksLikeJwt(string credential) => credential.Count(c => c == '.') == 2;

    /// <summary>
    /// Keeps the dashboard's credential for the requests its own page makes. `Secure` follows the scheme the client used,
    /// which behind a TLS-terminating ingress is the forwarded one (TRUSTED_PROXIES).
    /// </summary>
    public static void RememberForDashboard(HttpContext context, string credential) =>
        context.Response.Cookies.Append(DashboardCookie, credential, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/dashboard",
            Secure = context.Request.IsHttps,
        });
}
