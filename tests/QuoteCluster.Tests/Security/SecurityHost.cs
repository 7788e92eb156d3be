using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using QuoteCluster.Configuration;
using QuoteCluster.Hosting;
using QuoteCluster.Security;

namespace QuoteCluster.Tests.Security;

/// <summary>
/// The gateway's security alone, without a cluster: the schemes and policies the settings make, in front of one
/// route per policy and a stand-in dashboard page, on a test server whose client address is loopback.
/// </summary>
public sealed class SecurityHost : IAsyncDisposable
{
    public const string AdminToken = "security-host-admin-token";

    private readonly WebApplication _app;

    private SecurityHost(WebApplication app) => _app = app;

    public static async Task<SecurityHost> StartAsync(params (string Key, string Value)[] settings)
    {
        var builder = QuoteClusterProgram.CreateBuilder([]);
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var options = QuoteClusterSettings.Load(new ConfigurationBuilder()
            .AddInMemoryCollection([new("MARKET_FEED", "simulated"), new("API_TOKEN", AdminToken)])
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());
        builder.AddQuoteClusterSecurity(options, new ApiToken(AdminToken, Generated: false), gateway: true);
        var app = builder.Build();

        // A test server has no client address; a real one on loopback is what the proxy rules judge.
        app.Use((context, next) =>
        {
            context.Connection.RemoteIpAddress = IPAddress.Loopback;
            return next(context);
        });
        app.UseForwardedHeaders();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/read", () => "read").RequireAuthorization(QuoteClusterPolicies.Read);
        app.MapGet("/admin", () => "admin").RequireAuthorization(QuoteClusterPolicies.Admin);
        app.MapGet("/dashboard/", () => "dashboard").RequireAuthorization(QuoteClusterPolicies.Admin);
        await app.StartAsync();
        return new SecurityHost(app);
    }

    public HttpClient CreateClient() => _app.GetTestClient();

    public IServiceProvider Services => _app.Services;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
