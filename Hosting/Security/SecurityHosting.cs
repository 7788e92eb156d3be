using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QuoteCluster.Configuration;

namespace QuoteCluster.Security;

/// <summary>
/// Who may do what, with ASP.NET Core's own authentication and authorization: a scheme per kind of credential, a
/// policy per role, and route groups that require one.
/// </summary>
public static class SecurityHosting
{
    /// <param name="gateway">
    /// The Api takes JWTs and stream tickets as well; a Silo process only protects its dashboard and metrics with API_TOKEN.
    /// </param>
    public static void AddQuoteClusterSecurity(this IHostApplicationBuilder builder, QuoteClusterOptions options, ApiToken admin, bool gateway)
    {
        var services = builder.Services;
        services.AddProblemDetails();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.Configure<ForwardedHeadersOptions>(o => TrustProxies(o, options));

        var authentication = services.AddAuthentication()
            .AddScheme<StaticTokenOptions, StaticTokenAuthenticationHandler>(QuoteClusterSchemes.StaticToken, o =>
            {
                o.Admin = admin;
                o.ReadTokens = options.ApiReadTokens;
            });
        SkipKeyRingAtStartup(services);
        string[] headerSchemes = [QuoteClusterSchemes.StaticToken];
        if (gateway)
        {
            services.AddSingleton(sp => StreamTickets.Create(options, admin, sp.GetService<TimeProvider>() ?? TimeProvider.System));
            authentication.AddJwtBearer(QuoteClusterSchemes.StreamTicket, _ => { });
            services.AddOptions<JwtBearerOptions>(QuoteClusterSchemes.StreamTicket).Configure<StreamTickets>(StreamTicketBearer.Configure);
            if (options.Jwt is { } jwt)
            {
                authentication.AddJwtBearer(QuoteClusterSchemes.Jwt, o => UserJwtBearer.Configure(o, jwt, options.TenantId!));
                headerSchemes = [QuoteClusterSchemes.StaticToken, QuoteClusterSchemes.Jwt];
            }
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(QuoteClusterPolicies.Read, p => p
                .AddAuthenticationSchemes(headerSchemes)
                .RequireClaim(QuoteClusterRoles.ClaimType, QuoteClusterRoles.Read, QuoteClusterRoles.Admin))
            .AddPolicy(QuoteClusterPolicies.Stream, p => p
                .AddAuthenticationSchemes(gateway ? [.. headerSchemes, QuoteClusterSchemes.StreamTicket] : headerSchemes)
                .RequireClaim(QuoteClusterRoles.ClaimType, QuoteClusterRoles.Read, QuoteClusterRoles.Admin))
            .AddPolicy(QuoteClusterPolicies.Admin, p => p
                .AddAuthenticationSchemes(headerSchemes)
                .RequireClaim(QuoteClusterRoles.ClaimType, QuoteClusterRoles.Admin));
    }

    /// <summary>
    /// Authentication registers Data Protection, and Data Protection a start-up service that reads (or first creates)
    /// its key ring on disk before the first request, loading the XML stack to parse it: about 5 MB of an idle
    /// process's resident memory. Nothing here is protected with it (API tokens and JWTs are bearer tokens, stream
    /// tickets are signed JWTs, the dashboard cookie holds the token itself); a future use would still read the key
    /// ring, on first use. A registration after this one that adds Data Protection again (antiforgery, sessions)
    /// would bring the service back.
    /// </summary>
    private static void SkipKeyRingAtStartup(IServiceCollection services)
    {
        var dataProtectionAssembly = typeof(DataProtectionOptions).Assembly;
        foreach (var hostedService in services
                     .Where(d => d.ServiceType == typeof(IHostedService) && !d.IsKeyedService && d.ImplementationType?.Assembly == dataProtectionAssembly)
                     .ToList())
        {
            services.Remove(hostedService);
        }
    }

    /// <summary>
    /// X-Forwarded-For and X-Forwarded-Proto are believed from TRUSTED_PROXIES only (loopback when unset): what makes
    /// the dashboard cookie `Secure` behind a TLS-terminating ingress, and rate limits see clients, not the ingress.
    /// </summary>
    private static void TrustProxies(ForwardedHeadersOptions o, QuoteClusterOptions options)
    {
        o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        if (options.TrustedProxies.Count == 0) return;
        o.KnownProxies.Clear();
        o.KnownIPNetworks.Clear();
        foreach (var network in options.TrustedProxies) o.KnownIPNetworks.Add(network);
    }
}
