using System.Security.Claims;

namespace QuoteCluster.Api.Limits;

/// <summary>
/// Whose budget a request spends: the caller's name once a scheme has named them (a static token's name, a JWT's
/// subject, the subject a ticket was issued to), else the client's address (the forwarded one behind a trusted proxy).
/// </summary>
internal static class ClientKey
{
    public static string Of(HttpContext context) => Of(context.User, context.Connection.RemoteIpAddress);

    public static string Of(ClaimsPrincipal user, System.Net.IPAddress? address) =>
        user.Identity is { IsAuthenticated: true, Name: { } name } ? $"user:{name}" : $"address:{address}";
}
