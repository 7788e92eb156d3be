using System.Net;

namespace QuoteCluster.Tests.Api;

/// <summary>The embedded default as the README's first command runs it, with nothing said about the dashboard.</summary>
public sealed class EmbeddedDefaultDashboardTests(EmbeddedDefaultDashboardTests.AsShippedApiFactory factory)
    : IClassFixture<EmbeddedDefaultDashboardTests.AsShippedApiFactory>
{
    [Fact]
    public async Task The_embedded_default_leaves_the_dashboard_out_to_keep_its_memory_small()
    {
        using var http = factory.CreateAuthorizedClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/quotes")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard/")).StatusCode);
    }

    public sealed class AsShippedApiFactory : EmbeddedApiFactory
    {
        protected override bool AskForDashboard => false;
    }
}
