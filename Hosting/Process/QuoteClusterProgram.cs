using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using QuoteCluster.Configuration;

namespace QuoteCluster.Hosting;

/// <summary>
/// Runs a host, turning a configuration error into one clear line and exit code 2 (the promise docs/configuration.md
/// makes for every bad setting), with its stop bounded by <see cref="ShutdownDeadline"/>.
/// </summary>
public static class QuoteClusterProgram
{
    /// <summary>The builder both hosts start from, so the Silo and the Api are built alike.</summary>
    /// <remarks>
    /// The slim builder: IIS, HTTP/3 and hosting startups were loaded at every start and used by nothing here (about
    /// 1 MB, docs/operations.md, Memory). HTTPS stays configurable as before (--urls, ASPNETCORE_HTTPS_PORTS,
    /// Kestrel:Endpoints), for a process run without an ingress in front of it.
    /// </remarks>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseKestrelHttpsConfiguration();
        return builder;
    }

    public static async Task<int> RunAsync(Func<IHost> build)
    {
        IHost host;
        try
        {
            host = build();
        }
        catch (InvalidConfigurationException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        using (ShutdownDeadline.Arm(host))
        {
            await host.RunAsync();
        }

        return 0;
    }
}
