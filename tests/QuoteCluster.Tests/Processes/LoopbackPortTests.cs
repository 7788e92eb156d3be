using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using QuoteCluster.Hosting;

namespace QuoteCluster.Tests.Processes;

/// <summary>
/// The process tests name every server's port before the server starts. A port from the range the OS gives outgoing
/// connections was once taken by such a connection in that second, and a silo failed to start ("address already in
/// use").
/// </summary>
public sealed class LoopbackPortTests
{
    [Fact]
    public void A_free_port_is_outside_the_range_outgoing_connections_take_their_ports_from()
    {
        var (lowest, highest) = EphemeralRange();
        for (var i = 0; i < 50; i++)
        {
            var port = LoopbackPort.Free();
            Assert.True(port < lowest || port > highest, $"port {port} is in the OS's range for outgoing connections, {lowest}–{highest}");
        }
    }

    [Fact]
    public void A_free_port_can_be_bound_and_is_not_handed_out_twice()
    {
        var ports = Enumerable.Range(0, 100).Select(_ => LoopbackPort.Free()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        foreach (var port in ports.Take(5))
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
    }

    [Fact]
    public void A_port_something_listens_on_is_never_handed_out()
    {
        // Hold many ports of the range; none of them may come back.
        var held = new List<TcpListener>();
        try
        {
            for (var port = 10_000; port < 10_500; port++)
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                try
                {
                    listener.Start();
                    held.Add(listener);
                }
                catch (SocketException)
                {
                    listener.Dispose();
                }
            }

            var taken = held.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToHashSet();
            for (var i = 0; i < 200; i++) Assert.DoesNotContain(LoopbackPort.Free(), taken);
        }
        finally
        {
            foreach (var listener in held) listener.Dispose();
        }
    }

    [Fact]
    public void A_port_promised_elsewhere_is_never_handed_out()
    {
        // Every port of the range is promised: only the OS's own choice, outside it, is left.
        var promised = Enumerable.Range(10_000, 12_300).ToHashSet();
        for (var i = 0; i < 20; i++) Assert.DoesNotContain(LoopbackPort.Free(promised), promised);
    }

    [Theory]
    [InlineData("urls", "http://127.0.0.1:5123", new[] { 5123 })]
    [InlineData("urls", "http://+:5123;https://*:5124/", new[] { 5123, 5124 })]
    [InlineData("urls", "http://[::1]:5123 ; http://localhost:5125", new[] { 5123, 5125 })]
    [InlineData("urls", "http://localhost;https://[::1]", new[] { 80, 443 })]
    [InlineData("urls", "http://unix:/tmp/api.sock;http://pipe:/api", new int[0])]
    [InlineData("urls", "", new int[0])]
    [InlineData("http_ports", "8080;8081", new[] { 8080, 8081 })]
    [InlineData("https_ports", "8443", new[] { 8443 })]
    [InlineData("Kestrel:Endpoints:Public:Url", "https://0.0.0.0:7443", new[] { 7443 })]
    public void The_simulator_knows_the_ports_kestrel_is_told_to_listen_on(string key, string value, int[] expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [key] = value })
            .Build();

        Assert.Equal(expected, EmbeddedAlpacaSimulator.ListeningPorts(configuration));
    }

    /// <summary>The local port range Linux gives outgoing connections; elsewhere the IANA dynamic range.</summary>
    private static (int Lowest, int Highest) EphemeralRange()
    {
        const string path = "/proc/sys/net/ipv4/ip_local_port_range";
        if (!File.Exists(path)) return (49152, 65535);
        var parts = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
