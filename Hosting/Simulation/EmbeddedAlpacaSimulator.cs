using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QuoteCluster.AlpacaSimulator;
using QuoteCluster.Configuration;

namespace QuoteCluster.Hosting;

/// <summary>
/// The embedded default's market: when nothing points the Alpaca feed anywhere, this process runs the simulator on a
/// free loopback port and the real Alpaca client connects to it, so the demo takes the production code path.
/// </summary>
public static partial class EmbeddedAlpacaSimulator
{
    /// <summary>
    /// Starts the simulator and points the settings at it (ALPACA_STREAM_URL and APCA_API_DATA_URL), unless
    /// ALPACA_STREAM_URL or Alpaca keys are set.
    /// </summary>
    /// <returns>The simulator's settings, or null when the user's own Alpaca settings apply.</returns>
    public static SimulatorOptions? StartUnlessAlpacaConfigured(this IHostApplicationBuilder builder)
    {
        if (!QuoteClusterSettings.AlpacaUnconfigured(builder.Configuration)) return null;

        // Keys only this process knows: the simulator checks them, so the client's auth path is exercised for real.
        var key = "embedded-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        builder.Configuration["APCA_API_KEY_ID"] = key;
        builder.Configuration["APCA_API_SECRET_KEY"] = secret;

        // Validates everything else first: a bad setting stops start-up before anything listens.
        var options = QuoteClusterSettings.Load(builder.Configuration);

        // The port is chosen now, so the settings can name it, and the server starts with the host: building a second
        // host inside this one's start-up would confuse tooling that intercepts the first host built (WebApplicationFactory).
        // The silo and Kestrel bind theirs after the simulator starts, so a free-looking port may already be promised
        // to them (a parent process that chose them with LoopbackPort too draws from the same range).
        var port = LoopbackPort.Free(new HashSet<int>([options.SiloPort, options.GatewayPort, .. ListeningPorts(builder.Configuration)]));
        var address = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        builder.Configuration["ALPACA_STREAM_URL"] = $"ws://{address}";

        // The same server answers the market-data REST API (snapshots), so symbols added are primed from it too.
        builder.Configuration["APCA_API_DATA_URL"] = $"http://{address}";
        var simulatorOptions = new SimulatorOptions
        {
            Port = port,
            Rate = options.SimulatedQuotesPerSecond,
            Seed = options.SimulatorSeed,
            Universe = options.SimulatedUniverse,
            Key = key,
            Secret = secret,
        };

        // Registered before the silo, so it starts before and stops after it.
        builder.Services.AddSingleton(new SimulatorLifetime.Settings(simulatorOptions));
        builder.Services.AddHostedService<SimulatorLifetime>();
        return simulatorOptions;
    }

    /// <summary>
    /// The ports Kestrel is told to listen on, as far as the settings name them: <c>urls</c> (ASPNETCORE_URLS, --urls),
    /// <c>http_ports</c> and <c>https_ports</c> (ASPNETCORE_HTTP_PORTS, the container images' way), and each
    /// <c>Kestrel:Endpoints:{name}:Url</c>.
    /// </summary>
    internal static IEnumerable<int> ListeningPorts(IConfiguration configuration)
    {
        var urls = List(configuration["urls"]).Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        foreach (var url in urls)
        {
            // Read as Kestrel reads it (wildcard hosts, a scheme's default port, unix sockets and named pipes); one it
            // cannot read is Kestrel's to report when it starts.
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                continue;
            }

            if (!address.IsUnixPipe && !address.IsNamedPipe) yield return address.Port;
        }

        foreach (var text in List(configuration["http_ports"]).Concat(List(configuration["https_ports"])))
        {
            if (Port(text) is { } port) yield return port;
        }

        static IEnumerable<string> List(string? value) => (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        static int? Port(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;
    }

    private sealed partial class SimulatorLifetime(SimulatorLifetime.Settings settings, ILogger<SimulatorLifetime> logger) : IHostedService
    {
        private AlpacaSimulatorServer? _simulator;

        public sealed record Settings(SimulatorOptions Options);

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            _simulator = await AlpacaSimulatorServer.StartAsync(settings.Options, cancellationToken: cancellationToken);
            LogStarted(logger, _simulator.Url.AbsoluteUri.TrimEnd('/'), settings.Options.Rate.ToString(CultureInfo.InvariantCulture));
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_simulator is not null) await _simulator.DisposeAsync();
        }

        [LoggerMessage(EventId = 1120, EventName = "alpaca_simulator_started", Level = LogLevel.Information,
            Message = "embedded Alpaca simulator at {url} serving {rate} quotes/s; set ALPACA_STREAM_URL and the APCA_API_* keys to use Alpaca")]
        private static partial void LogStarted(ILogger logger, string url, string rate);
    }
}
