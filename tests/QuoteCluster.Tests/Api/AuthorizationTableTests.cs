using System.Net;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using QuoteCluster.Security;

namespace QuoteCluster.Tests.Api;

/// <summary>
/// Every route against every kind of credential, good and bad: who may do what (docs/api.md, Authentication).
/// </summary>
public sealed class AuthorizationTableTests(SecurityApiFactory factory) : IClassFixture<SecurityApiFactory>
{
    public enum Access { Open, Read, Stream, Admin }

    /// <summary>A route, what it needs, and a request that changes nothing when it is let through.</summary>
    private static readonly Dictionary<string, (Access Needs, HttpMethod Method, string Path)> Routes = new()
    {
        ["quote"] = (Access.Read, HttpMethod.Get, "/api/quotes/AAPL"),
        ["quotes"] = (Access.Read, HttpMethod.Get, "/api/quotes?symbols=AAPL"),
        ["status"] = (Access.Read, HttpMethod.Get, "/api/stream/status"),
        ["tickets"] = (Access.Read, HttpMethod.Post, "/api/stream/tickets"),
        ["sse"] = (Access.Stream, HttpMethod.Get, "/api/stream/prices?symbols=AAPL"),
        // Without an upgrade, a request let through gets 400 websocket_required.
        ["websocket"] = (Access.Stream, HttpMethod.Get, "/api/ws"),
        ["subscriptions"] = (Access.Admin, HttpMethod.Get, "/api/subscriptions"),
        // No body: a request let through gets 400 and adds nothing.
        ["subscribe"] = (Access.Admin, HttpMethod.Post, "/api/subscriptions"),
        ["unsubscribe"] = (Access.Admin, HttpMethod.Delete, "/api/subscriptions/NOTTRACKED"),
        ["cluster"] = (Access.Admin, HttpMethod.Get, "/api/cluster"),
        ["dashboard"] = (Access.Admin, HttpMethod.Get, "/dashboard/"),
        ["metrics"] = (Access.Admin, HttpMethod.Get, "/metrics"),
        ["healthz"] = (Access.Open, HttpMethod.Get, "/healthz"),
        ["readyz"] = (Access.Open, HttpMethod.Get, "/readyz"),
    };

    /// <summary>Each credential, and the most it may reach (null: nothing but open routes; "403": a valid token of another tenant).</summary>
    private static readonly Dictionary<string, Access?> Credentials = new()
    {
        ["none"] = null,
        ["wrong-token"] = null,
        ["read-token"] = Access.Read,
        ["admin-token"] = Access.Admin,
        ["jwt-read"] = Access.Read,
        ["jwt-admin"] = Access.Admin,
        ["jwt-expired"] = null,
        ["jwt-wrong-audience"] = null,
        ["jwt-wrong-issuer"] = null,
        ["jwt-wrong-key"] = null,
        ["jwt-wrong-tenant"] = null,
        ["jwt-no-tenant"] = null,
        ["jwt-in-query"] = null,
        ["admin-token-in-query"] = null,
        ["ticket"] = Access.Stream,
        ["admin-ticket"] = Access.Stream,
        ["ticket-expired"] = null,
        ["ticket-in-header"] = null,
    };

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var credential in Credentials.Keys)
        {
            foreach (var route in Routes.Keys) cases.Add(credential, route);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_route_answers_each_credential_as_its_role_allows(string credential, string route)
    {
        var (needs, method, path) = Routes[route];
        using var request = new HttpRequestMessage(method, path);
        Present(request, credential);
        using var response = await factory.CreateClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var status = response.StatusCode;
        var body = route is "sse" && status == HttpStatusCode.OK ? "" : await response.Content.ReadAsStringAsync();

        var expected = Expected(credential, route);
        if (expected == HttpStatusCode.OK)
        {
            Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500,
                $"{credential} on {route}: {(int)status} {body}");
        }
        else
        {
            Assert.True(expected == status, $"{credential} on {route}: expected {(int)expected}, got {(int)status} {body}");
            Assert.Contains(expected == HttpStatusCode.Unauthorized ? "\"unauthorized\"" : "\"forbidden\"", body);
            Assert.Contains("\"message\"", body);
        }
    }

    private static HttpStatusCode Expected(string credential, string route)
    {
        var needs = Routes[route].Needs;
        if (needs == Access.Open) return HttpStatusCode.OK;

        // The dashboard is the one page a browser navigates to with a long-lived credential (once, then its cookie).
        if (route == "dashboard" && credential == "admin-token-in-query") return HttpStatusCode.OK;
        if (route == "dashboard" && credential == "jwt-in-query") return HttpStatusCode.Forbidden;
        if (credential is "jwt-wrong-tenant" or "jwt-no-tenant") return HttpStatusCode.Forbidden;
        return Credentials[credential] switch
        {
            Access.Admin => HttpStatusCode.OK,
            Access.Read => needs == Access.Admin ? HttpStatusCode.Forbidden : HttpStatusCode.OK,
            Access.Stream => needs == Access.Stream ? HttpStatusCode.OK : HttpStatusCode.Unauthorized,
            _ => HttpStatusCode.Unauthorized,
        };
    }

    private void Present(HttpRequestMessage request, string credential)
    {
        var project = SecurityApiFactory.FirebaseProject;
        var issuer = SecurityApiFactory.FirebaseIssuer;
        var tenant = new Dictionary<string, object> { ["sub"] = "user-1", ["tenant_id"] = SecurityApiFactory.Tenant };
        (string? header, string? query) = credential switch
        {
            "none" => ((string?)null, (string?)null),
            "wrong-token" => ("not-a-token-of-this-gateway", null),
            "read-token" => (SecurityApiFactory.ReadToken, null),
            "admin-token" => (EmbeddedApiFactory.Token, null),
            "jwt-read" => (factory.Identity.Mint(issuer, project, tenant), null),
            "jwt-admin" => (factory.Identity.Mint(issuer, project, new Dictionary<string, object>(tenant) { ["role"] = "admin" }), null),
            "jwt-expired" => (factory.Identity.Mint(issuer, project, tenant, expiresIn: TimeSpan.FromMinutes(-5)), null),
            "jwt-wrong-audience" => (factory.Identity.Mint(issuer, "another-project", tenant), null),
            "jwt-wrong-issuer" => (factory.Identity.Mint("https://securetoken.google.com/another-project", project, tenant), null),
            "jwt-wrong-key" => (factory.Identity.Mint(issuer, project, tenant, key: Support.LocalIdentityProvider.StrangerKey), null),
            "jwt-wrong-tenant" => (factory.Identity.Mint(issuer, project, new Dictionary<string, object> { ["sub"] = "user-2", ["tenant_id"] = "globex", ["role"] = "admin" }), null),
            "jwt-no-tenant" => (factory.Identity.Mint(issuer, project, new Dictionary<string, object> { ["sub"] = "user-3" }), null),
            "jwt-in-query" => (null, $"access_token={factory.Identity.Mint(issuer, project, tenant)}"),
            "admin-token-in-query" => (null, $"access_token={EmbeddedApiFactory.Token}"),
            "ticket" => (null, $"ticket={Ticket(QuoteClusterRoles.Read, TimeProvider.System)}"),
            "admin-ticket" => (null, $"ticket={Ticket(QuoteClusterRoles.Admin, TimeProvider.System)}"),
            "ticket-expired" => (null, $"ticket={Ticket(QuoteClusterRoles.Read, new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-2)))}"),
            "ticket-in-header" => (Ticket(QuoteClusterRoles.Read, TimeProvider.System), null),
            _ => throw new ArgumentOutOfRangeException(nameof(credential)),
        };
        if (header is not null) request.Headers.Authorization = new("Bearer", header);
        if (query is not null)
        {
            var uri = request.RequestUri!.OriginalString;
            request.RequestUri = new Uri(uri + (uri.Contains('?') ? "&" : "?") + query, UriKind.RelativeOrAbsolute);
        }
    }

    /// <summary>A ticket as the gateway issues them (same key), issued at the given clock's now.</summary>
    private static string Ticket(string role, TimeProvider time)
    {
        var caller = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "table"), new Claim(QuoteClusterRoles.ClaimType, role)], "test"));
        return new StreamTickets(SecurityApiFactory.TicketKey, time).Issue(caller).Ticket;
    }
}
