using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace QuoteCluster.Tests.Api;

/// <summary>The Api on its embedded default (co-hosted silo, simulated feed, dry run), on free ports.</summary>
public sealed class EmbeddedApiFactory : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ORLEANS_SILO_PORT", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("ORLEANS_GATEWAY_PORT", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("SIMULATED_QUOTES_PER_SEC", "200");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
