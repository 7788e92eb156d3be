using System.Net;
using System.Net.Sockets;

namespace QuoteCluster.Hosting;

/// <summary>A port the OS just handed out on loopback, for a server that must be named before it starts.</summary>
/// <remarks>Fixed ports collide with each other and with TestCluster's allocator.</remarks>
public static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
