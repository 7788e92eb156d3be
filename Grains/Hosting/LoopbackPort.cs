using System.Net;
using System.Net.Sockets;

namespace QuoteCluster.Tests.Support;

/// <summary>A port the OS just handed out on loopback: fixed ports collide with TestCluster's allocator and each other.</summary>
public static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
