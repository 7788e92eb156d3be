using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;

namespace QuoteCluster.Security;

/// <summary>The stream-ticket scheme: a <see cref="StreamTickets"/> ticket in `?ticket=`, on the routes whose policy lists it.</summary>
public static class StreamTicketBearer
{
    public static void Configure(JwtBearerOptions o, StreamTickets tickets)
    {
        o.MapInboundClaims = false;
        o.TokenValidationParameters = tickets.ValidationParameters;
        o.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                var ticket = context.Request.Query[CredentialSources.QueryTicket].ToString();
                if (ticket.Length == 0) context.NoResult();
                else context.Token = ticket;
                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                // Only what the gateway put in: the caller's name and role.
                var principal = context.Principal!;
                context.Principal = new ClaimsPrincipal(new ClaimsIdentity(
                    principal.Claims.Where(c => c.Type is JwtRegisteredClaimNames.Sub or QuoteClusterRoles.ClaimType),
                    context.Scheme.Name, JwtRegisteredClaimNames.Sub, QuoteClusterRoles.ClaimType));
                return Task.CompletedTask;
            },
            OnAuthenticationFailed = context =>
            {
                AuthenticationFailures.Record(context.HttpContext,
                    "The stream ticket is expired or not valid; POST /api/stream/tickets for a new one (they last a minute).");
                return Task.CompletedTask;
            },
        };
    }
}
