using System.Net;
using System.Net.Sockets;

namespace QuoteCluster.Hosting;

/// <summary>A free port on loopback, for a server that must be named before it starts.</summary>
/// <remarks>
/// The port comes from below the range the OS takes the local ports of outgoing connections from (32768 and up on
/// Linux, 49152 and up elsewhere) and below TestCluster's allocator (22300 and up). A port the OS hands out for
/// binding to port 0 comes from that outgoing range, so any connection made between choosing it and the server
/// binding it could take it: a silo process that starts a second later then fails with "address already in use".
/// </remarks>
public static class LoopbackPort
{
    private const int Lowest = 10_000;
    private const int BelowTestClusterAllocator = 22_300;

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port not handed out before by this process and that nothing listens on now.</summary>
    public static int Free()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var port = Random.Shared.Next(Lowest, BelowTestClusterAllocator);
                if (!HandedOut.Contains(port) && CanBind(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }

            // Only a machine with almost the whole range in use gets here: the OS's choice is still free right now.
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    private static bool CanBind(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
