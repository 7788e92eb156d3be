using System.Collections.Concurrent;
using System.Diagnostics;

namespace QuoteCluster.Tests.Support;

/// <summary>A real OS process of the system (silo, gateway, simulator, Redis), stopped the ways production stops them.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private readonly StreamWriter? _log;

    private readonly Action<string>? _onLine;

    private ChildProcess(string name, Process process, string? logDirectory, Action<string>? onLine)
    {
        Name = name;
        _process = process;
        _onLine = onLine;
        if (logDirectory is not null)
        {
            Directory.CreateDirectory(logDirectory);
            _log = new StreamWriter(Path.Combine(logDirectory, $"{name}-{process.Id}.log")) { AutoFlush = true };
        }

        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string RecentOutput => string.Join('\n', _output);

    /// <param name="logDirectory">Where the whole output goes, one file per process, to read after a failure or a hang.</param>
    /// <param name="onLine">Sees every line the process writes, for a test that must judge all of them.</param>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        string? logDirectory = null, Action<string>? onLine = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        // The test host's own ASP.NET and .NET settings must not leak into the processes under test.
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return new ChildProcess(name, Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start"), logDirectory, onLine);
    }

    /// <summary>SIGKILL: what a crashed node or an OOM kill looks like to the rest of the cluster.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM: what Kubernetes sends a pod it is stopping.</summary>
    public void Terminate()
    {
        if (_process.HasExited) return;
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        if (_log is not null)
        {
            lock (_log) _log.Dispose();
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        if (_log is not null)
        {
            lock (_log)
            {
                if (_log.BaseStream is not null) _log.WriteLine(line);
            }
        }

        _onLine?.Invoke(line);
        _output.Enqueue(line);
        while (_output.Count > KeptLines) _output.TryDequeue(out _);
    }
}
