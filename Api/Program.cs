using QuoteCluster.Api;
using QuoteCluster.Hosting;

return await QuoteClusterProgram.RunAsync(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddQuoteClusterGateway();
    var app = builder.Build();
    app.UseDefaultFiles();
    app.UseStaticFiles();
    app.UseMiddleware<QuoteCluster.Security.ApiTokenMiddleware>();
    app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
    app.MapOpenApi("/openapi/{documentName}.json");
    app.MapQuoteClusterOperations();
    app.MapQuotesApi();
    app.MapSubscriptionsApi();
    app.MapStatusApi();
    app.MapClusterApi();
    app.MapStreamApi();
    app.MapWebSocketApi();
    return app;
});
