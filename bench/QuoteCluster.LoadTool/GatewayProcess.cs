using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace QuoteCluster.LoadTool;

/// <summary>The gateway under test: the Api on its embedded default (silo and Alpaca simulator inside), as a child process.</summary>
internal sealed class GatewayProcess(Process process, Uri address) : ServerProcess(process, address)
{
    public const string Token = "load-tool";

    /// <param name="settings">Overrides of the load tool's settings; a null value leaves the variable unset (the Api's default).</param>
    public static async Task<GatewayProcess> StartAsync(string apiDll, double quotesPerSecond, int maxConnections,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var port = ServerProcess.FreePort();
        var start = new ProcessStartInfo("dotnet", [apiDll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(apiDll)!,
            Environment =
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["API_TOKEN"] = Token,
                ["API_MAX_CONNECTIONS"] = maxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["SIMULATED_QUOTES_PER_SEC"] = quotesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ORLEANS_SILO_PORT"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ORLEANS_GATEWAY_PORT"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ORLEANS_DASHBOARD"] = "0",
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        // The Api's own GC settings unless GATEWAY_GC_SERVER=0|1 asks for a comparison.
        if (Environment.GetEnvironmentVariable("GATEWAY_GC_SERVER") is { } server) start.Environment["DOTNET_gcServer"] = server;
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the gateway");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[gateway] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var gateway = new GatewayProcess(process, new Uri($"http://127.0.0.1:{port}"));

        using var http = new HttpClient { BaseAddress = gateway.Address };
        http.DefaultRequestHeaders.Authorization = new("Bearer", Token);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var status = await http.GetStringAsync("/api/stream/status");
                if (status.Contains("\"LIVE\"", StringComparison.Ordinal)) return gateway;
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(500);
        }

        await gateway.DisposeAsync();
        throw new TimeoutException("the gateway did not report LIVE within 60 s");
    }
}
