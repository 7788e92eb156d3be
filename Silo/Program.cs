using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Hosting;

return await QuoteClusterProgram.RunAsync(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.StartUnlessAlpacaConfigured();
    builder.AddQuoteClusterSilo();
    var app = builder.Build();
    app.MapQuoteClusterOperations();
    return app;
});
