using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using QuoteCluster.Security;

namespace QuoteCluster.Api;

/// <summary>Once the gateway listens, says where, and hands over a generated token the only time it can be seen.</summary>
internal sealed partial class GatewayAnnouncement(IServer server, IHostApplicationLifetime lifetime, ApiToken token, ILogger<GatewayAnnouncement> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5000";
            address = address.Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal);
            if (token.Generated)
            {
                LogGeneratedToken(logger, $"{address}/?access_token={token.Value}", token.Value);
            }
            else
            {
                LogReady(logger, address);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1200, EventName = "gateway_token", Level = LogLevel.Warning,
        Message = "open {url} (API_TOKEN was not set, so this run generated {api_token}; send it as Authorization: Bearer)")]
    private static partial void LogGeneratedToken(ILogger logger, string url, string api_token);

    [LoggerMessage(EventId = 1201, EventName = "gateway_ready", Level = LogLevel.Information,
        Message = "gateway listening on {url}")]
    private static partial void LogReady(ILogger logger, string url);
}
