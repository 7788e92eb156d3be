using QuoteCluster.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Api;

/// <summary>The Api on its embedded default (co-hosted silo, simulated feed, dry run), on free ports.</summary>
/// <remarks>Any type of the Api assembly names its entry point; `Program` is ambiguous beside the smoke check.</remarks>
public class EmbeddedApiFactory : WebApplicationFactory<QuoteCluster.Api.QuoteView>
{
    public const string Token = "test-token";

    /// <summary>Whether ORLEANS_DASHBOARD=1 is set; false leaves the embedded default's own choice.</summary>
    protected virtual bool AskForDashboard => true;

    /// <summary>A client that presents the gateway's token, as every `/api` call must.</summary>
    public HttpClient CreateAuthorizedClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("API_TOKEN", Token);
        builder.UseSetting("ORLEANS_SILO_PORT", LoopbackPort.Free().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("ORLEANS_GATEWAY_PORT", LoopbackPort.Free().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("SIMULATED_QUOTES_PER_SEC", "200");
        // The route table and its auth are tested with the dashboard in it, as an operator who asks for it gets it.
        if (AskForDashboard) builder.UseSetting("ORLEANS_DASHBOARD", "1");
    }
}

/// <summary>The embedded default allowing one streaming client.</summary>
public sealed class SingleClientApiFactory : EmbeddedApiFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("API_MAX_CONNECTIONS", "1");
    }
}
