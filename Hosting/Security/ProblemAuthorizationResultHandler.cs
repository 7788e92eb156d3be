using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace QuoteCluster.Security;

/// <summary>
/// One answer per refused request, whichever schemes looked at it: 401 (no credential, or none that holds) or 403 (a
/// valid credential without the role, or of another tenant), as problem details with the `error` and `message` members
/// every refusal of the gateway has, saying what to send instead.
/// </summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Challenged)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Problem(StatusCodes.Status401Unauthorized, "unauthorized", Unauthorized(context, policy)).ExecuteAsync(context);
        }
        else if (result.Forbidden)
        {
            var detail = AuthenticationFailures.Forbidden(context)
                ?? "This route needs the admin role; the credential presented is read-only (see docs/api.md, Authentication).";
            await Problem(StatusCodes.Status403Forbidden, "forbidden", detail).ExecuteAsync(context);
        }
        else
        {
            await _default.HandleAsync(next, context, policy, result);
        }
    }

    private static string Unauthorized(HttpContext context, AuthorizationPolicy policy)
    {
        var stream = policy.AuthenticationSchemes.Contains(QuoteClusterSchemes.StreamTicket);
        var query = context.Request.Query;
        if (AuthenticationFailures.Reasons(context) is { } reasons) return reasons;
        if (!CredentialSources.IsDashboard(context.Request) && (query.ContainsKey(CredentialSources.QueryToken) || query.ContainsKey("token")))
        {
            return "Long-lived credentials in URLs are refused: send Authorization: Bearer"
                + (stream ? ", or open the stream with ?ticket= from POST /api/stream/tickets." : ".");
        }

        if (query.ContainsKey(CredentialSources.QueryTicket) && !stream)
        {
            return "A stream ticket opens /api/stream/prices and /api/ws only; send Authorization: Bearer here.";
        }

        return "This route needs Authorization: Bearer with API_TOKEN, a read token or a JWT from the identity provider"
            + (stream ? ", or ?ticket= from POST /api/stream/tickets." : ".");
    }

    private static IResult Problem(int status, string error, string detail) =>
        TypedResults.Problem(detail, statusCode: status, extensions: new Dictionary<string, object?> { ["error"] = error, ["message"] = detail });
}
