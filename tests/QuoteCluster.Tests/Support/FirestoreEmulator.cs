using QuoteCluster.Hosting;
using System.Net;

namespace QuoteCluster.Tests.Support;

/// <summary>
/// Google's official Firestore emulator, started with java directly (the wrapper script does not exec, so killing
/// it would orphan the JVM). A machine without Java or the jar fails the tests with a message saying so.
/// </summary>
public sealed class FirestoreEmulator : IAsyncLifetime
{
    public const string DefaultJar = "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private ChildProcess? _process;

    public int Port { get; } = LoopbackPort.Free();

    /// <summary>The emulator binds IPv4 only, so never `localhost`.</summary>
    public string Host => $"127.0.0.1:{Port}";

    public FirestoreEmulator()
        : this(Environment.GetEnvironmentVariable("FIRESTORE_EMULATOR_JAR") ?? DefaultJar)
    {
    }

    /// <remarks>Internal: xunit builds fixtures through their one public constructor.</remarks>
    internal FirestoreEmulator(string jar) => Jar = jar;

    public string Jar { get; }

    public async Task InitializeAsync() => await StartAsync();

    public async Task DisposeAsync() => await StopAsync();

    public async Task StartAsync()
    {
        if (!File.Exists(Jar))
        {
            throw new InvalidOperationException(
                $"The Firestore emulator jar is missing at {Jar}: install Debian's google-cloud-cli-firestore-emulator (or set FIRESTORE_EMULATOR_JAR). These tests need the official emulator and do not run without it.");
        }

        try
        {
            _process = ChildProcess.Start("firestore-emulator", "java",
                ["-Duser.language=en", "-cp", Jar, "com.google.cloud.datastore.emulator.firestore.CloudFirestore", "start", "--host=127.0.0.1", $"--port={Port}"]);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Java is not installed or not on PATH ({e.Message}): the Firestore emulator needs Java 17.", e);
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The Firestore emulator exited with code {_process.ExitCode} on start: {_process.RecentOutput}");
            try
            {
                if ((await Http.GetAsync($"http://{Host}/")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The Firestore emulator did not answer on {Host} within 60 s.");
    }

    /// <summary>Stops the emulator like an outage would: abruptly, and its data with it.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        await _process.DisposeAsync();
        _process = null;
    }

    /// <summary>Reads a document over the emulator's REST API, independent of our gRPC client.</summary>
    public async Task<HttpResponseMessage> GetRestAsync(string documentPath, string project = "demo-quotes") =>
        await Http.GetAsync($"http://{Host}/v1/projects/{project}/databases/(default)/documents/{documentPath}");

}

[CollectionDefinition(Name)]
public sealed class FirestoreEmulatorCollection : ICollectionFixture<FirestoreEmulator>
{
    public const string Name = "firestore-emulator";
}
