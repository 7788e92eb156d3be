using System.Net;
using QuoteCluster.Tests.Support;
using Xunit.Abstractions;

namespace QuoteCluster.Tests.Processes;

/// <summary>
/// ORLEANS_TLS_* for real: a silo and an Api with the cluster's certificate work together; an Api without a
/// certificate, or with one from another CA, never gets into the cluster.
/// </summary>
public sealed class TlsClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_tls_cluster_serves_a_client_with_its_certificate_and_refuses_one_without_it_or_with_a_strangers()
    {
        var directory = Path.Combine(Path.GetTempPath(), "quotecluster-tls-" + Guid.NewGuid().ToString("N")[..8]);
        var ours = TestCertificates.Create(Path.Combine(directory, "cluster"), "cluster");
        var strangers = TestCertificates.Create(Path.Combine(directory, "stranger"), "stranger");
        await using var cluster = await ProcessCluster.StartAsync(firestore: null, ["AAPL"], simulatorFeed: false, settings: ours.Settings());
        try
        {
            cluster.StartSilo("tls-silo");
            cluster.StartApi(name: "api-with-certificate");
            var trusted = cluster.ApiUrl;
            await cluster.WaitForActiveSilosAsync(1, TimeSpan.FromSeconds(90));
            await Eventually.Until(() => cluster.Http.GetAsync(new Uri(trusted, "api/quotes/AAPL")), r => r.StatusCode == HttpStatusCode.OK,
                TimeSpan.FromSeconds(30), "a quote through the TLS connection");
            output.WriteLine("the Api with the cluster's certificate reads quotes");

            var none = cluster.StartApi(new Dictionary<string, string?> { ["ORLEANS_TLS_CERT_FILE"] = null, ["ORLEANS_TLS_KEY_FILE"] = null, ["ORLEANS_TLS_CA_FILE"] = null },
                name: "api-without-certificate");
            var noneUrl = cluster.ApiUrl;
            var stranger = cluster.StartApi(strangers.Settings(), name: "api-with-strangers-certificate");
            var strangerUrl = cluster.ApiUrl;

            // Both keep trying (cluster_unreachable) and are never ready, while the trusted one stays ready.
            var deadline = DateTime.UtcNow.AddSeconds(25);
            while (DateTime.UtcNow < deadline)
            {
                Assert.NotEqual(HttpStatusCode.OK, await ReadinessAsync(cluster, noneUrl));
                Assert.NotEqual(HttpStatusCode.OK, await ReadinessAsync(cluster, strangerUrl));
                await Task.Delay(1000);
            }

            Assert.Equal(HttpStatusCode.OK, await ReadinessAsync(cluster, trusted));
            Assert.False(none.HasExited || stranger.HasExited, "a refused Api keeps retrying rather than exiting");
            Assert.Contains("cluster_unreachable", none.RecentOutput, StringComparison.Ordinal);
            Assert.Contains("cluster_unreachable", stranger.RecentOutput, StringComparison.Ordinal);
            output.WriteLine("the Apis without the certificate, or with another CA's, never reached the cluster");
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(e.Message + cluster.Diagnostics(), e);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<HttpStatusCode> ReadinessAsync(ProcessCluster cluster, Uri api)
    {
        try
        {
            using var response = await cluster.Http.GetAsync(new Uri(api, "readyz"));
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return HttpStatusCode.ServiceUnavailable;
        }
    }
}
