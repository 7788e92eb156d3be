using QuoteCluster.Api.Limits;
using QuoteCluster.Api.Live;
using QuoteCluster.Security;
using QuoteCluster.Configuration;
using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Hosting;

namespace QuoteCluster.Api;

public static class GatewayHosting
{
    /// <summary>
    /// The embedded default co-hosts a silo in this process (one command, no services); any other cluster mode makes
    /// the gateway an Orleans client of the Silo processes.
    /// </summary>
    public static QuoteClusterOptions AddQuoteClusterGateway(this WebApplicationBuilder builder)
    {
        var embedded = IsEmbedded(builder.Configuration);
        if (embedded)
        {
            // The embedded default is one small process (docs/operations.md, Memory): the dashboard alone would take
            // 70–80 MB of it, so there it is asked for (ORLEANS_DASHBOARD=1). Silo processes, where operators watch
            // the cluster, and gateways in a cluster serve it unless told not to.
            builder.Configuration[$"{QuoteClusterSettings.Section}:ORLEANS_DASHBOARD"] ??= "0";
        }

        if (embedded && QuoteClusterSettings.AlpacaUnconfigured(builder.Configuration))
        {
            // The demo shows about twenty well-known tickers unless the user names their own.
            builder.Configuration["QuoteCluster:MONITORED_SYMBOLS"] ??= string.Join(',', QuoteGenerator.WellKnownSymbols);
            builder.StartUnlessAlpacaConfigured();
        }

        var options = embedded
            ? builder.AddQuoteClusterSilo("gateway+silo")
            : builder.AddQuoteClusterClient();
        builder.Services.AddQuoteSubscriptionHub();
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        var connections = new LiveConnections(options.ApiMaxConnections);
        QuoteCluster.Observability.QuoteClusterMetrics.ObserveClients(() => connections.Count);
        builder.Services.AddSingleton(connections);
        builder.Services.AddSingleton(sp => new EncodedQuotes(
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions));
        var token = ResolveApiToken(options, embedded);
        builder.Services.AddSingleton(token);
        builder.AddQuoteClusterSecurity(options, token, gateway: true);
        builder.Services.AddGatewayRateLimits();
        builder.Services.AddSingleton(sp =>
        {
            var cluster = sp.GetRequiredService<IClusterClient>();
            return new ReadinessCache(() => StatusApi.ReadFeedStatusAsync(cluster), TimeProvider.System);
        });
        builder.Services.AddHostedService<GatewayAnnouncement>();
        return options;
    }

    /// <summary>API_TOKEN, or on the embedded default a fresh one (printed once at start-up); elsewhere it is required.</summary>
    private static ApiToken ResolveApiToken(QuoteClusterOptions options, bool embedded) =>
        options.ApiToken is { } token ? new ApiToken(token, Generated: false)
        : embedded ? ApiToken.Generate()
        : throw new InvalidConfigurationException(
            "API_TOKEN is not set: a gateway outside the embedded default needs the bearer token its clients present; set API_TOKEN.");

    private static bool IsEmbedded(IConfiguration configuration)
    {
        var mode = configuration["CLUSTER_MODE"] ?? configuration[$"{QuoteClusterSettings.Section}:CLUSTER_MODE"];
        return string.IsNullOrWhiteSpace(mode) || string.Equals(mode.Trim(), nameof(ClusterMode.Embedded), StringComparison.OrdinalIgnoreCase);
    }
}
