using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using QuoteCluster.Hosting;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Processes;

/// <summary>
/// A production-mode cluster of real processes on loopback: Redis, the Alpaca-protocol simulator, Silo processes in
/// CLUSTER_MODE=redis and an Api process as their client, writing to the Firestore emulator.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    public const string Token = "process-test-token";

    private readonly Dictionary<string, string> _common;
    private readonly List<ChildProcess> _all = [];
    private readonly int _simulatorPort = LoopbackPort.Free();

    private ProcessCluster(RedisServer redis, string tenant, IReadOnlyList<string> symbols, Dictionary<string, string> common)
    {
        Redis = redis;
        Tenant = tenant;
        Symbols = symbols;
        _common = common;
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public RedisServer Redis { get; }

    public string Tenant { get; }

    public IReadOnlyList<string> Symbols { get; }

    /// <summary>Each process's whole output, one file each: read it after a failure (the message names the folder).</summary>
    public string LogDirectory => Path.Combine(Path.GetTempPath(), "quotecluster-processes", Tenant);

    public ChildProcess? Simulator { get; private set; }

    public Dictionary<string, SiloProcess> Silos { get; } = [];

    public ChildProcess? Api { get; private set; }

    public Uri ApiUrl { get; private set; } = new("http://127.0.0.1:1");

    /// <summary>Presents the token, as every `/api` call and the dashboards need.</summary>
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <param name="settings">More variables for every process (TLS files, ...).</param>
    public static async Task<ProcessCluster> StartAsync(FirestoreEmulator? firestore, IReadOnlyList<string> symbols, bool simulatorFeed = true,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var redis = await RedisServer.StartAsync();
        var tenant = "process-" + Guid.NewGuid().ToString("N")[..8];
        var common = new Dictionary<string, string>
        {
            ["CLUSTER_MODE"] = "redis",
            ["REDIS_CONNECTION_STRING"] = redis.ConnectionString,
            ["ORLEANS_CLUSTER_ID"] = tenant,
            ["POD_IP"] = "127.0.0.1",
            ["API_TOKEN"] = Token,
            ["TENANT_ID"] = tenant,
            ["MONITORED_SYMBOLS"] = string.Join(',', symbols),
            ["HEARTBEAT_INTERVAL_S"] = "2",
            ["DOTNET_gcServer"] = "0",
        };
        if (firestore is null)
        {
            common["DRY_RUN"] = "1";
        }
        else
        {
            common["FIRESTORE_EMULATOR_HOST"] = firestore.Host;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is not null) common[key] = value;
        }

        var cluster = new ProcessCluster(redis, tenant, symbols, common);
        if (simulatorFeed)
        {
            common["ALPACA_STREAM_URL"] = $"ws://127.0.0.1:{cluster._simulatorPort}";
            common["APCA_API_DATA_URL"] = $"http://127.0.0.1:{cluster._simulatorPort}";
            common["APCA_API_KEY_ID"] = "process-key";
            common["APCA_API_SECRET_KEY"] = "process-secret";

            // Until the simulator starts the feed retries; keep its backoff short so it connects soon after.
            common["RECONNECT_BACKOFF_MAX_S"] = "2";
        }
        else
        {
            common["MARKET_FEED"] = "simulated";
        }

        return cluster;
    }

    /// <summary>The Alpaca-protocol simulator, on the port the silos were told at start.</summary>
    /// <param name="rate">Quotes and trades a second over all symbols, which it takes in turn.</param>
    /// <param name="frameSize">Items per frame; with as many as there are symbols, each symbol ticks once per frame.</param>
    /// <param name="tradeRatio">The share of items that are trades rather than quotes.</param>
    /// <param name="silentAfter">When the market closes: no data after that long, the connection staying open.</param>
    public ChildProcess StartSimulator(double rate = 150, int frameSize = 100, double? tradeRatio = null, TimeSpan? silentAfter = null)
    {
        List<string> arguments = [BuiltHosts.AlpacaSimulator, "--port", _simulatorPort.ToString(CultureInfo.InvariantCulture),
            "--rate", rate.ToString(CultureInfo.InvariantCulture), "--frame-size", frameSize.ToString(CultureInfo.InvariantCulture)];
        if (tradeRatio is { } ratio) arguments.AddRange(["--trade-ratio", ratio.ToString(CultureInfo.InvariantCulture)]);
        if (silentAfter is { } silence) arguments.AddRange(["--silent-after", silence.TotalSeconds.ToString(CultureInfo.InvariantCulture)]);
        return Simulator = Track(ChildProcess.Start("simulator", "dotnet", arguments, logDirectory: LogDirectory));
    }

    /// <summary>Starts a silo; one that ran before under this name comes back on its old ports.</summary>
    public SiloProcess StartSilo(string name)
    {
        var (siloPort, gatewayPort, httpPort) = Silos.TryGetValue(name, out var previous)
            ? (previous.SiloPort, previous.GatewayPort, previous.HttpPort)
            : (LoopbackPort.Free(), LoopbackPort.Free(), LoopbackPort.Free());
        var environment = new Dictionary<string, string>(_common)
        {
            ["POD_NAME"] = name,
            ["ORLEANS_SILO_PORT"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["ORLEANS_GATEWAY_PORT"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["ASPNETCORE_URLS"] = SiloProcess.UrlOf(httpPort).AbsoluteUri,
        };
        var silo = new SiloProcess(name, siloPort, gatewayPort, httpPort, Track(ChildProcess.Start(name, "dotnet", [BuiltHosts.Silo], environment, LogDirectory)));
        Silos[name] = silo;
        return silo;
    }

    /// <summary>Starts an Api and points <see cref="ApiUrl"/> at it.</summary>
    /// <param name="changes">Variables to set for this one, or (with a null value) to leave out.</param>
    public ChildProcess StartApi(IReadOnlyDictionary<string, string?>? changes = null, string name = "api")
    {
        var port = LoopbackPort.Free();
        ApiUrl = new Uri($"http://127.0.0.1:{port}/");
        var environment = new Dictionary<string, string>(_common) { ["ASPNETCORE_URLS"] = ApiUrl.AbsoluteUri };
        foreach (var (key, value) in changes ?? new Dictionary<string, string?>())
        {
            if (value is null) environment.Remove(key);
            else environment[key] = value;
        }

        Api = Track(ChildProcess.Start(name, "dotnet", [BuiltHosts.Api], environment, LogDirectory));
        return Api;
    }

    public async Task<JsonElement> GetJsonAsync(Uri url)
    {
        using var response = await Http.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The Api's view of the cluster (`/api/cluster`), once it has at least the given number of active silos.</summary>
    public Task<JsonElement> WaitForActiveSilosAsync(int count, TimeSpan timeout) =>
        Eventually.Until(
            async () =>
            {
                try
                {
                    return await GetJsonAsync(new Uri(ApiUrl, "api/cluster"));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // The Api is still starting or cannot reach a silo yet: an empty view, with why.
                    return JsonSerializer.SerializeToElement(new { silos = Array.Empty<object>(), error = e.Message });
                }
            },
            view => view.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "active") >= count
                && view.GetProperty("silos").EnumerateArray().Any(s => s.GetProperty("hosts_ingest").GetBoolean()),
            timeout,
            $"{count} active silos and a running ingest feed");

    /// <summary>Every process's last lines: what a failure message needs to be read without rerunning.</summary>
    public string Diagnostics() => $"\n(whole output of every process: {LogDirectory})" + string.Concat(_all.Select(p => $"\n--- {p.Name} ({(p.HasExited ? "exited " + p.ExitCode : "running")}) ---\n{Tail(p.RecentOutput)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _all) await process.DisposeAsync();
        await Redis.DisposeAsync();
        Http.Dispose();
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(15));

    private ChildProcess Track(ChildProcess process)
    {
        _all.Add(process);
        return process;
    }
}

/// <summary>One Silo process and the ports it keeps across a restart.</summary>
public sealed record SiloProcess(string Name, int SiloPort, int GatewayPort, int HttpPort, ChildProcess Process)
{
    public Uri Url => UrlOf(HttpPort);

    public static Uri UrlOf(int httpPort) => new($"http://127.0.0.1:{httpPort}/");
}
