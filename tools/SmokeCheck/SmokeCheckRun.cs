using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QuoteCluster.Configuration;
using QuoteCluster.Hosting;
using QuoteCluster.Storage;

namespace QuoteCluster.SmokeCheck;

/// <summary>
/// Runs the whole system for a bounded time (STOP_AFTER_SECONDS, 60 s by default) and passes when at least one write
/// succeeded — in a dry run, when at least one would-be write was logged.
/// </summary>
public static class SmokeCheckRun
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Configuration["QuoteCluster:STOP_AFTER_SECONDS"] ??= "60";
        QuoteClusterOptions options;
        try
        {
            builder.StartUnlessAlpacaConfigured();
            options = builder.AddQuoteClusterSilo("smoke-check");
        }
        catch (InvalidConfigurationException e)
        {
            await output.WriteLineAsync($"FAIL: {e.Message}");
            return 1;
        }

        CountingQuoteStore? counting = null;
        builder.Services.AddSingleton<IQuoteStore>(sp => counting = new CountingQuoteStore(QuoteStores.Create(sp, options)));
        using var host = builder.Build();
        try
        {
            await host.RunAsync();
        }
        catch (Exception e)
        {
            await output.WriteLineAsync($"FAIL: the system did not run: {e.Message}");
            return 1;
        }

        var writes = (counting?.QuotesWritten ?? 0) + (counting?.HeartbeatsWritten ?? 0);
        var verb = options.DryRun ? "would-be writes logged (dry run)" : "writes succeeded";
        if (writes > 0)
        {
            await output.WriteLineAsync($"PASS: {writes} {verb} in {options.StopAfter!.Value.TotalSeconds:0.#} s");
            return 0;
        }

        await output.WriteLineAsync($"FAIL: no write succeeded in {options.StopAfter!.Value.TotalSeconds:0.#} s; last error: {counting?.LastError ?? "none recorded"}");
        return 1;
    }
}
