using Microsoft.AspNetCore.Http.HttpResults;
using QuoteCluster.Api.Limits;
using QuoteCluster.Security;

namespace QuoteCluster.Api;

/// <summary>
/// `POST /api/stream/tickets`: a ticket that opens `/api/stream/prices` or `/api/ws` for about a minute, with the
/// caller's role. Browsers cannot put headers on an EventSource or a WebSocket; a ticket in the URL is what they send
/// instead of a long-lived token, which stream URLs refuse.
/// </summary>
public static class StreamTicketsApi
{
    public static IEndpointRouteBuilder MapStreamTicketsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/stream/tickets", Issue).WithTags("Streaming")
            .WithSummary("A ticket for ?ticket= on the stream routes, valid for about a minute, with the caller's role.")
            .RequireAuthorization(QuoteClusterPolicies.Read)
            .RequireRateLimiting(GatewayRateLimits.Tickets)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
        return endpoints;
    }

    internal static Ok<StreamTicketView> Issue(HttpContext context, StreamTickets tickets)
    {
        var (ticket, expiresAt) = tickets.Issue(context.User);
        return TypedResults.Ok(new StreamTicketView(ticket, expiresAt, context.User.FindFirst(QuoteClusterRoles.ClaimType)!.Value));
    }
}
