using QuoteCluster.Api;
using QuoteCluster.Hosting;

return await QuoteClusterProgram.RunAsync(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddQuoteClusterGateway();
    var app = builder.Build();
    app.MapQuoteClusterOperations();
    app.MapQuotesApi();
    return app;
});
