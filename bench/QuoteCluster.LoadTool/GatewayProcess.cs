using QuoteCluster.Hosting;

namespace QuoteCluster.LoadTool;

/// <summary>The gateway under test: the Api on its embedded default (silo and Alpaca simulator inside), as a child process.</summary>
internal static class GatewayProcess
{
    public const string Token = "load-tool";

    /// <param name="settings">Overrides of the load tool's settings; a null value leaves the variable unset (the Api's default).</param>
    public static async Task<ServerProcess> StartAsync(string apiDll, double quotesPerSecond, int maxConnections,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var port = LoopbackPort.Free();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["API_TOKEN"] = Token,
            ["API_MAX_CONNECTIONS"] = maxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SIMULATED_QUOTES_PER_SEC"] = quotesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ORLEANS_SILO_PORT"] = LoopbackPort.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ORLEANS_GATEWAY_PORT"] = LoopbackPort.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ORLEANS_DASHBOARD"] = "0",
            ["Logging__LogLevel__Default"] = "Warning",
        };

        // The Api's own GC settings unless GATEWAY_GC_SERVER=0|1 asks for a comparison.
        if (Environment.GetEnvironmentVariable("GATEWAY_GC_SERVER") is { } server) environment["DOTNET_gcServer"] = server;
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null) environment.Remove(name);
            else environment[name] = value;
        }

        var gateway = ServerProcess.Spawn("gateway", "dotnet", [apiDll], environment, new Uri($"http://127.0.0.1:{port}"), echoErrors: true);
        try
        {
            await gateway.WaitUntilLiveAsync(Token, TimeSpan.FromSeconds(60));
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }
}
