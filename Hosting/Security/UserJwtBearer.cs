using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using QuoteCluster.Configuration;

namespace QuoteCluster.Security;

/// <summary>
/// The JWT bearer scheme for the users' own identity provider: tokens from JWT_ISSUER for JWT_AUDIENCE, signed with
/// JWT_SIGNING_KEY (HS256) or a key published at JWT_AUTHORITY or JWT_JWKS_URL (RS256), for this deployment's tenant.
/// </summary>
public static class UserJwtBearer
{
    public static void Configure(JwtBearerOptions o, JwtSettings jwt, string tenant)
    {
        // Claims keep the names the token gave them; the role the gateway acts on is its own claim (QuoteClusterRoles).
        o.MapInboundClaims = false;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = jwt.Issuer,
            ValidAudience = jwt.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = JwtSettings.ClockSkew,
            NameClaimType = JwtRegisteredClaimNames.Sub,
            RoleClaimType = QuoteClusterRoles.ClaimType,
        };

        if (jwt.SigningKey is { } secret)
        {
            o.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
            o.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        else
        {
            o.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
            if (jwt.Authority is { } authority)
            {
                o.Authority = authority.AbsoluteUri;
                o.RequireHttpsMetadata = authority.Scheme == Uri.UriSchemeHttps;
            }
            else
            {
                var jwks = jwt.JwksUrl!;
                o.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                    jwks.AbsoluteUri, new JwksRetriever(), new HttpDocumentRetriever { RequireHttps = jwks.Scheme == Uri.UriSchemeHttps });
            }
        }

        o.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                var (credential, fromQuery) = CredentialSources.Find(context.Request);
                if (credential is null || !CredentialSources.LooksLikeJwt(credential))
                {
                    // A static token, or nothing: the static-token scheme's to judge.
                    context.NoResult();
                    return Task.CompletedTask;
                }

                context.Token = credential;
                if (fromQuery) context.HttpContext.Items[typeof(UserJwtBearer)] = credential;
                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                context.Principal = Authorize(context.Principal!, jwt, tenant, context.HttpContext, context.Scheme.Name);
                if (context.HttpContext.Items[typeof(UserJwtBearer)] is string fromQuery) CredentialSources.RememberForDashboard(context.HttpContext, fromQuery);
                return Task.CompletedTask;
            },
            OnAuthenticationFailed = context =>
            {
                AuthenticationFailures.Record(context.HttpContext, Explain(context.Exception));
                return Task.CompletedTask;
            },
        };
    }

    /// <summary>
    /// The token's identity with the gateway's role claim: admin when JWT_ROLE_CLAIM says `admin` (or is `true`), read
    /// otherwise; none at all, so every route answers 403, when the token belongs to another tenant.
    /// </summary>
    internal static ClaimsPrincipal Authorize(ClaimsPrincipal principal, JwtSettings jwt, string tenant, HttpContext context, string scheme)
    {
        var claims = principal.Claims.Where(c => c.Type != QuoteClusterRoles.ClaimType).ToList();
        var claimedTenant = principal.FindFirst(JwtSettings.TenantClaim)?.Value;
        if (string.Equals(claimedTenant, tenant, StringComparison.Ordinal))
        {
            var admin = principal.FindAll(jwt.RoleClaim).Any(c => c.Value.Equals(QuoteClusterRoles.Admin, StringComparison.OrdinalIgnoreCase)
                || c.Value.Equals("true", StringComparison.OrdinalIgnoreCase));
            claims.Add(new Claim(QuoteClusterRoles.ClaimType, admin ? QuoteClusterRoles.Admin : QuoteClusterRoles.Read));
        }
        else
        {
            AuthenticationFailures.RecordForbidden(context, claimedTenant is null
                ? $"The token has no {JwtSettings.TenantClaim} claim; this gateway serves tenant '{tenant}' only."
                : $"The token's {JwtSettings.TenantClaim} '{claimedTenant}' is not this gateway's tenant.");
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, JwtRegisteredClaimNames.Sub, QuoteClusterRoles.ClaimType));
    }

    /// <summary>What was wrong with a token, in words a client can act on (the library's own messages hide their details).</summary>
    internal static string Explain(Exception e) => e switch
    {
        SecurityTokenExpiredException => "The JWT has expired; sign in again for a fresh one.",
        SecurityTokenNotYetValidException => "The JWT is not valid yet (check the clocks).",
        SecurityTokenInvalidLifetimeException => "The JWT is outside its lifetime.",
        SecurityTokenInvalidAudienceException => "The JWT is for another audience than this gateway's (JWT_AUDIENCE).",
        SecurityTokenInvalidIssuerException => "The JWT comes from another issuer than this gateway trusts (JWT_ISSUER).",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The JWT's signature does not verify with the issuer's keys.",
        SecurityTokenInvalidAlgorithmException => "The JWT is signed with an algorithm this gateway does not accept.",
        _ => "The JWT is not valid.",
    };
}
