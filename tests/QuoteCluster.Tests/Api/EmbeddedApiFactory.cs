using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Api;

/// <summary>The Api on its embedded default (co-hosted silo, simulated feed, dry run), on free ports.</summary>
/// <remarks>Any type of the Api assembly names its entry point; `Program` is ambiguous beside the smoke check.</remarks>
public sealed class EmbeddedApiFactory : WebApplicationFactory<QuoteCluster.Api.QuoteView>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ORLEANS_SILO_PORT", LoopbackPort.Free().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("ORLEANS_GATEWAY_PORT", LoopbackPort.Free().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("SIMULATED_QUOTES_PER_SEC", "200");
    }
}
