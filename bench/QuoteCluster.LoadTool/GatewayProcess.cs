using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace QuoteCluster.LoadTool;

/// <summary>The gateway under test: the Api on its embedded default (silo and Alpaca simulator inside), as a child process.</summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    public const string Token = "load-tool";

    private readonly Process _process;

    private GatewayProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Resident memory of the gateway process, in bytes.</summary>
    public long ResidentBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    public static async Task<GatewayProcess> StartAsync(string apiDll, double quotesPerSecond, int maxConnections)
    {
        var port = FreePort();
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
                ["ORLEANS_SILO_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ORLEANS_GATEWAY_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ORLEANS_DASHBOARD"] = "0",
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_gcServer"] = Environment.GetEnvironmentVariable("GATEWAY_GC_SERVER") ?? "1",
            },
        };
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

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
