using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace QuoteCluster.Security;

/// <summary>The token every `/api` route and the dashboard require (API_TOKEN, or the one the embedded default made).</summary>
public sealed record ApiToken(string Value, bool Generated)
{
    public static ApiToken Generate() => new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), Generated: true);

    public bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), Encoding.UTF8.GetBytes(Value));
}

/// <summary>
/// `Authorization: Bearer {API_TOKEN}` on every `/api` route, on `/dashboard` and on `/metrics`. Browsers cannot put headers on an
/// EventSource, a WebSocket or a page they navigate to, so the stream routes and the dashboard also take the token as
/// an `access_token` query parameter, and the dashboard keeps it in a cookie for the requests its own page makes.
/// </summary>
public sealed class ApiTokenMiddleware(RequestDelegate next, ApiToken token)
{
    public const string CookieName = "quotecluster_token";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        var api = path.StartsWithSegments("/api");
        var dashboard = path.StartsWithSegments("/dashboard");
        var metrics = path.StartsWithSegments("/metrics");
        if (!api && !dashboard && !metrics)
        {
            await next(context);
            return;
        }

        var browserRoute = dashboard || path.StartsWithSegments("/api/stream/prices") || path.StartsWithSegments("/api/ws");
        var header = context.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        var query = browserRoute ? context.Request.Query["access_token"].ToString() : null;
        var cookie = dashboard ? context.Request.Cookies[CookieName] : null;

        if (token.Matches(presented) || token.Matches(query) || token.Matches(cookie))
        {
            if (dashboard && token.Matches(query))
            {
                context.Response.Cookies.Append(CookieName, token.Value,
                    new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/dashboard", Secure = context.Request.IsHttps });
            }

            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        var message = string.IsNullOrEmpty(presented) && string.IsNullOrEmpty(query)
            ? "This route needs Authorization: Bearer {API_TOKEN}" + (browserRoute ? " (or ?access_token=)." : ".")
            : "The token is not the gateway's API_TOKEN.";
        await context.Response.WriteAsJsonAsync(new { error = "unauthorized", message });
    }
}
