using System.Net;
using System.Net.Sockets;

namespace QuoteCluster.Hosting;

/// <summary>A free port on loopback, for a server that must be named before it starts.</summary>
/// <remarks>
/// The port comes from below the range the OS takes the local ports of outgoing connections from (32768 and up on
/// Linux, 49152 and up elsewhere) and below TestCluster's allocator (22300 and up). A port the OS hands out for
/// binding to port 0 comes from that outgoing range, so any connection made between choosing it and the server
/// binding it could take it: a silo process that starts a second later then fails with "address already in use".
/// Nothing coordinates separate processes: each draws at random and checks that nothing listens yet, so two processes
/// choosing at the same moment rarely meet, and a process told its ports by another passes them as
/// <c>besides</c>.
/// </remarks>
public static class LoopbackPort
{
    private const int Lowest = 10_000;
    private const int BelowTestClusterAllocator = 22_300;

    private static readonly HashSet<int> HandedOut = [];
    private static readonly HashSet<int> NonePromised = [];

    /// <summary>A port not handed out before by this process and that nothing listens on now.</summary>
    public static int Free() => Free(NonePromised);

    /// <summary>A port as <see cref="Free()"/> gives, and none of <paramref name="besides"/>: ports this process was told to use but may not have bound yet.</summary>
    public static int Free(IReadOnlySet<int> besides)
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var port = Random.Shared.Next(Lowest, BelowTestClusterAllocator);
                if (!HandedOut.Contains(port) && !besides.Contains(port) && CanBind(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }

            // Only a machine with almost the whole range in use gets here: the OS's choice is still free right now.
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var chosen = ((IPEndPoint)listener.LocalEndpoint).Port;
            HandedOut.Add(chosen);
            return chosen;
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
