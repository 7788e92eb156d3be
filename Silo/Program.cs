using QuoteCluster.Hosting;
using QuoteCluster.Security;

return await QuoteClusterProgram.RunAsync(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.StartUnlessAlpacaConfigured();
    var options = builder.AddQuoteClusterSilo();
    var app = builder.Build();

    // The silo's own dashboard sits behind the same token as the gateway's, when one is set.
    if (options.ApiToken is { } token)
    {
        app.UseMiddleware<ApiTokenMiddleware>(new ApiToken(token, Generated: false));
    }
    else
    {
        app.Logger.LogWarning("API_TOKEN is not set: this silo's /dashboard is open to anyone who can reach its port");
    }

    app.MapQuoteClusterOperations();
    app.MapSiloReadiness();
    return app;
});
