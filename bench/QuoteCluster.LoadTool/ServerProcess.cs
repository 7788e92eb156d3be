using System.Diagnostics;
using QuoteCluster.Hosting;

namespace QuoteCluster.LoadTool;

/// <summary>A server the load tool measures from outside: its address and its resident memory.</summary>
internal class ServerProcess(Process process, Uri address) : IAsyncDisposable
{
    private readonly Queue<string> _recentOutput = new();

    public Uri Address { get; } = address;

    /// <summary>Resident memory of the server process, in bytes.</summary>
    public long ResidentBytes
    {
        get
        {
            process.Refresh();
            return process.WorkingSet64;
        }
    }

    /// <summary>Processor time the server process has used, all its threads together.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    /// <summary>Threads of the server process.</summary>
    public int Threads
    {
        get
        {
            process.Refresh();
            return process.Threads.Count;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    /// <summary>Waits until <paramref name="path"/> answers at all (any status), 30 s at most; a server that never does is killed.</summary>
    public async Task WaitUntilServingAsync(string path)
    {
        using var probe = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                await probe.GetAsync(path);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(200);
            }
        }

        var diagnostics = Diagnostics();
        await DisposeAsync();
        throw new TimeoutException($"the server at {Address} did not start within 30 s\n{diagnostics}");
    }

    /// <summary>
    /// This executable in a server mode, under the Api's runtime settings (its runtimeconfig: the GC and the rest), so a
    /// floor it is compared with runs exactly as the gateway does. GATEWAY_GC_SERVER=0|1 overrides the GC of both.
    /// </summary>
    public static async Task<ServerProcess> StartSiblingAsync(string apiDll, string readyPath, params string[] arguments)
    {
        var port = LoopbackPort.Free();
        var environment = Environment.GetEnvironmentVariable("GATEWAY_GC_SERVER") is { } server
            ? new Dictionary<string, string> { ["DOTNET_gcServer"] = server }
            : null;
        var process = Spawn(arguments[0], "dotnet",
            ["exec", "--runtimeconfig", Path.ChangeExtension(apiDll, ".runtimeconfig.json"), typeof(ServerProcess).Assembly.Location,
             .. arguments, port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            environment, new Uri($"http://127.0.0.1:{port}"));
        await process.WaitUntilServingAsync(readyPath);
        return process;
    }

    /// <summary>
    /// Waits until this Api reports its feed LIVE and <paramref name="alsoReady"/> (if given) agrees; a timeout says
    /// what the process last printed.
    /// </summary>
    public async Task WaitUntilLiveAsync(string token, TimeSpan timeout, Func<HttpClient, Task<bool>>? alsoReady = null)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                var status = await http.GetStringAsync("/api/stream/status");
                if (status.Contains("\"LIVE\"", StringComparison.Ordinal) && (alsoReady is null || await alsoReady(http))) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or KeyNotFoundException or System.Text.Json.JsonException)
            {
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"{Name} did not report LIVE within {timeout.TotalSeconds:0} s\n{Diagnostics()}");
    }

    /// <summary>A child process whose output is drained (the last lines kept for <see cref="Diagnostics"/>).</summary>
    /// <param name="echoErrors">Also print each line of its standard error as it comes, marked with its name.</param>
    public static ServerProcess Spawn(string name, string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, Uri address,
        bool echoErrors = false)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        // A .NET host reads its appsettings.json from its content root, the working directory: the host's own folder.
        if (start.ArgumentList.FirstOrDefault() is { } first && first.EndsWith(".dll", StringComparison.Ordinal)) start.WorkingDirectory = Path.GetDirectoryName(first);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        var server = new ServerProcess(process, address) { Name = name };
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            server.Keep(e.Data);
            if (echoErrors && e.Data is not null) Console.Error.WriteLine($"[{name}] {e.Data}");
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    public string Name { get; private init; } = "server";

    /// <summary>The process's state and its last lines of output.</summary>
    public string Diagnostics()
    {
        lock (_recentOutput)
        {
            return $"--- {Name} ({(process.HasExited ? $"exited {process.ExitCode}" : "running")}) ---\n{string.Join('\n', _recentOutput)}";
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_recentOutput)
        {
            _recentOutput.Enqueue(line);
            if (_recentOutput.Count > 20) _recentOutput.Dequeue();
        }
    }
}
