using System.Net.Sockets;
using QuoteCluster.Hosting;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Processes;

/// <summary>A throw-away `redis-server` (Debian's package) on a free loopback port, persisting nothing.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private ChildProcess? _process;

    public int Port { get; } = LoopbackPort.Free();

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer();
        try
        {
            server._process = ChildProcess.Start("redis", "redis-server",
                ["--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"redis-server is not installed ({e.Message}): apt-get install redis-server (.ci/run does).", e);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", server.Port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"redis-server did not listen on {server.Port}: {server._process.RecentOutput}");
    }

    /// <summary>Redis disappears the way a failed node does.</summary>
    public void Kill() => _process?.Kill();

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
    }
}
