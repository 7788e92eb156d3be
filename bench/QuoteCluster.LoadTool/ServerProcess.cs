using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace QuoteCluster.LoadTool;

/// <summary>A server the load tool measures from outside: its address and its resident memory.</summary>
internal class ServerProcess(Process process, Uri address) : IAsyncDisposable
{
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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
