using Microsoft.Extensions.Hosting;
using QuoteCluster.Configuration;

namespace QuoteCluster.Hosting;

/// <summary>
/// Runs a host, turning a configuration error into one clear line and exit code 2 (the promise docs/configuration.md
/// makes for every bad setting), with its stop bounded by <see cref="ShutdownDeadline"/>.
/// </summary>
public static class QuoteClusterProgram
{
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
