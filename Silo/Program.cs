using QuoteCluster.Hosting;
using QuoteCluster.Security;

return await QuoteClusterProgram.RunAsync(() =>
{
    var builder = QuoteClusterProgram.CreateBuilder(args);
    builder.StartUnlessAlpacaConfigured();
    var options = builder.AddQuoteClusterSilo();

    // The silo's own dashboard and metrics take the gateway's admin token, when one is set.
    if (options.ApiToken is { } token)
    {
        builder.AddQuoteClusterSecurity(options, new ApiToken(token, Generated: false), gateway: false);
    }

    var app = builder.Build();
    if (options.ApiToken is null)
    {
        app.Logger.LogWarning("API_TOKEN is not set: this silo's /dashboard and /metrics are open to anyone who can reach its port");
    }
    else
    {
        app.UseForwardedHeaders();
        app.UseAuthentication();
        app.UseAuthorization();
    }

    app.MapQuoteClusterOperations(options.ApiToken is null ? null : QuoteClusterPolicies.Admin);
    app.MapSiloReadiness();
    return app;
});
