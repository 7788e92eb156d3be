using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QuoteCluster.Security;

/// <summary>The static tokens machines use: API_TOKEN is admin, each of API_READ_TOKENS reads.</summary>
public sealed class StaticTokenAuthenticationHandler(
    IOptionsMonitor<StaticTokenOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<StaticTokenOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var (credential, fromQuery) = CredentialSources.Find(Request);
        if (credential is null) return Task.FromResult(AuthenticateResult.NoResult());

        // Names, never the tokens: the name is what logs and rate limits see.
        string? name = null, role = null;
        if (Options.Admin?.Matches(credential) == true)
        {
            (name, role) = ("api-token", QuoteClusterRoles.Admin);
        }
        else
        {
            for (var i = 0; i < Options.ReadTokens.Count; i++)
            {
                if (ApiToken.Same(credential, Options.ReadTokens[i])) (name, role) = ($"read-token-{i + 1}", QuoteClusterRoles.Read);
            }
        }

        if (name is null)
        {
            if (CredentialSources.LooksLikeJwt(credential)) return Task.FromResult(AuthenticateResult.NoResult());
            const string reason = "The token is not the gateway's API_TOKEN or one of its API_READ_TOKENS.";
            AuthenticationFailures.Record(Context, reason);
            return Task.FromResult(AuthenticateResult.Fail(reason));
        }

        if (fromQuery) CredentialSources.RememberForDashboard(Context, credential);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(QuoteClusterRoles.ClaimType, role!)],
            Scheme.Name, ClaimTypes.Name, QuoteClusterRoles.ClaimType);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }
}
