using System.Net;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Security;

/// <summary>The JWT variants and the dashboard cookie, on <see cref="SecurityHost"/> (no cluster needed).</summary>
public sealed class SecuritySchemesTests
{
    private const string Secret = "an-hs256-secret-shared-with-the-issuer!";

    [Fact]
    public async Task Hs256_tokens_from_the_named_issuer_for_the_named_audience_are_read_or_admin_by_the_role_claim()
    {
        await using var host = await SecurityHost.StartAsync(
            ("JWT_ISSUER", "https://id.example"), ("JWT_AUDIENCE", "quotes"), ("JWT_SIGNING_KEY", Secret), ("JWT_ROLE_CLAIM", "roles"), ("TENANT_ID", "acme"));
        await using var identity = LocalIdentityProvider.Start();
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret));
        var reader = identity.Mint("https://id.example", "quotes", new Dictionary<string, object> { ["sub"] = "u", ["tenant_id"] = "acme", ["roles"] = new[] { "viewer" } }, key: key);
        var admin = identity.Mint("https://id.example", "quotes", new Dictionary<string, object> { ["sub"] = "u", ["tenant_id"] = "acme", ["roles"] = new[] { "viewer", "admin" } }, key: key);
        var otherKey = identity.Mint("https://id.example", "quotes", new Dictionary<string, object> { ["sub"] = "u", ["tenant_id"] = "acme" },
            key: new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret + "-other")));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(host, "/read", reader));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(host, "/admin", reader));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(host, "/admin", admin));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(host, "/read", otherKey));

        // An RS256 token cannot pass for HS256 (or the other way round).
        var rs256 = identity.Mint("https://id.example", "quotes", new Dictionary<string, object> { ["sub"] = "u", ["tenant_id"] = "acme" });
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(host, "/read", rs256));
    }

    [Fact]
    public async Task Rs256_keys_are_found_through_the_authoritys_discovery_document()
    {
        await using var identity = LocalIdentityProvider.Start();
        await using var host = await SecurityHost.StartAsync(
            ("JWT_ISSUER", identity.Issuer), ("JWT_AUDIENCE", "quotes"), ("JWT_AUTHORITY", identity.Issuer), ("TENANT_ID", "acme"));
        var token = identity.Mint(identity.Issuer, "quotes", new Dictionary<string, object> { ["sub"] = "u", ["tenant_id"] = "acme", ["role"] = "admin" });
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(host, "/admin", token));
        var stranger = identity.Mint(identity.Issuer, "quotes", new Dictionary<string, object> { ["sub"] = "u", ["tenant_id"] = "acme" }, key: LocalIdentityProvider.StrangerKey);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(host, "/read", stranger));
    }

    [Fact]
    public async Task A_claim_of_the_gateways_own_role_type_in_a_token_grants_nothing()
    {
        await using var host = await SecurityHost.StartAsync(
            ("JWT_ISSUER", "https://id.example"), ("JWT_AUDIENCE", "quotes"), ("JWT_SIGNING_KEY", Secret), ("TENANT_ID", "acme"));
        await using var identity = LocalIdentityProvider.Start();
        var forged = identity.Mint("https://id.example", "quotes",
            new Dictionary<string, object> { ["sub"] = "u", ["tenant_id"] = "acme", [QuoteCluster.Security.QuoteClusterRoles.ClaimType] = "admin" },
            key: new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret)));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(host, "/admin", forged));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("10.20.30.40", false)]
    [InlineData("127.0.0.0/8", true)]
    public async Task The_dashboard_cookie_is_Secure_when_a_trusted_proxy_says_the_client_used_https(string? trustedProxies, bool secure)
    {
        await using var host = await SecurityHost.StartAsync(trustedProxies is null ? [] : [("TRUSTED_PROXIES", trustedProxies)]);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/dashboard/?access_token={SecurityHost.AdminToken}");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var response = await host.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(secure, cookie.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_dashboard_cookie_then_stands_in_for_the_token_on_the_dashboard_only()
    {
        await using var host = await SecurityHost.StartAsync();
        var client = host.CreateClient();
        using var first = await client.GetAsync($"/dashboard/?access_token={SecurityHost.AdminToken}");
        var cookie = first.Headers.GetValues("Set-Cookie").Single().Split(';')[0];

        using var dashboard = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        dashboard.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(dashboard)).StatusCode);
        using var api = new HttpRequestMessage(HttpMethod.Get, "/admin");
        api.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(api)).StatusCode);
    }

    [Fact]
    public async Task No_data_protection_start_up_service_is_registered_since_nothing_is_protected_with_it()
    {
        await using var host = await SecurityHost.StartAsync();

        var dataProtectionAssembly = typeof(DataProtectionOptions).Assembly;
        Assert.DoesNotContain(host.Services.GetServices<IHostedService>(), service => service.GetType().Assembly == dataProtectionAssembly);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(host, "/read", SecurityHost.AdminToken));
    }

    private static async Task<HttpStatusCode> StatusAsync(SecurityHost host, string path, string bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", bearer);
        using var response = await host.CreateClient().SendAsync(request);
        return response.StatusCode;
    }
}
