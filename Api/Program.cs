using QuoteCluster.Api;
using QuoteCluster.Hosting;
using QuoteCluster.Security;

return await QuoteClusterProgram.RunAsync(() =>
{
    var builder = QuoteClusterProgram.CreateBuilder(args);
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
