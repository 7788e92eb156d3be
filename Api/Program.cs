using QuoteCluster.Api;
using QuoteCluster.Hosting;
using QuoteCluster.Security;

return await QuoteClusterProgram.RunAsync(() =>
{
    // The slim builder: IIS, HTTP/3 and hosting startups were loaded at every start and used by nothing here. HTTPS
    // stays configurable as before (--urls, ASPNETCORE_HTTPS_PORTS, Kestrel:Endpoints), for a gateway run without an
    // ingress in front of it.
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.WebHost.UseKestrelHttpsConfiguration();
    builder.AddQuoteClusterGateway();
    var app = builder.Build();
    app.UseForwardedHeaders();
    app.UseDefaultFiles();
    app.UseStaticFiles();
    app.UseAuthentication();
    app.UseAuthorization();
    app.UseRateLimiter();
    app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
    app.MapOpenApi("/openapi/{documentName}.json");
    app.MapQuoteClusterOperations(QuoteClusterPolicies.Admin);
    app.MapQuotesApi();
    app.MapSubscriptionsApi();
    app.MapStatusApi();
    app.MapClusterApi();
    app.MapStreamApi();
    app.MapStreamTicketsApi();
    app.MapWebSocketApi();
    return app;
});
