using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace QuoteCluster.Api.Limits;

/// <summary>
/// ASP.NET Core rate limiting for the requests a client can repeat cheaply and the gateway pays for: stream tickets
/// (each a signature), and, per message, WebSocket control messages (<see cref="WebSocketMessageLimiter"/>).
/// </summary>
internal static class GatewayRateLimits
{
    public const string Tickets = "stream-tickets";

    /// <summary>A burst of 10 tickets, then one every 3 s: far above a page that reconnects now and then.</summary>
    public static readonly TokenBucketRateLimiterOptions TicketBudget = new()
    {
        TokenLimit = 10,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromSeconds(3),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    public static IServiceCollection AddGatewayRateLimits(this IServiceCollection services)
    {
        services.AddSingleton<WebSocketMessageLimiter>();
        return services.AddRateLimiter(o =>
        {
            o.AddPolicy(Tickets, context => RateLimitPartition.GetTokenBucketLimiter(ClientKey.Of(context), _ => TicketBudget));
            o.OnRejected = async (rejected, cancel) =>
            {
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TicketBudget.ReplenishmentPeriod;
                rejected.HttpContext.Response.Headers.RetryAfter = Math.Ceiling(retry.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await ApiProblems.TooManyRequests("rate_limited",
                    $"Too many requests from this client; retry after {Math.Ceiling(retry.TotalSeconds)} s.").ExecuteAsync(rejected.HttpContext);
            };
        });
    }
}
