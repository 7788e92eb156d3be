using Microsoft.AspNetCore.Http;

namespace QuoteCluster.Security;

/// <summary>
/// Why the schemes turned a request's credential down, kept on the request so the one 401 or 403 it gets can say so.
/// Several schemes may look at one request; each adds its reason.
/// </summary>
public static class AuthenticationFailures
{
    private static readonly object Key = new();
    private static readonly object ForbiddenKey = new();

    public static void Record(HttpContext context, string reason)
    {
        if (context.Items[Key] is not List<string> reasons) context.Items[Key] = reasons = [];
        if (!reasons.Contains(reason)) reasons.Add(reason);
    }

    /// <summary>A credential that is valid but may not be used here (another tenant's token): a 403, not a 401.</summary>
    public static void RecordForbidden(HttpContext context, string reason) => context.Items[ForbiddenKey] = reason;

    public static string? Reasons(HttpContext context) =>
        context.Items[Key] is List<string> { Count: > 0 } reasons ? string.Join(" ", reasons) : null;

    public static string? Forbidden(HttpContext context) => context.Items[ForbiddenKey] as string;
}
