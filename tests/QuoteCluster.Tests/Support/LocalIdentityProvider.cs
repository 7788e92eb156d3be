using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace QuoteCluster.Tests.Support;

/// <summary>
/// An identity provider on loopback, standing in for Google's and an OpenID Connect issuer's published keys (this
/// machine has no internet): an RSA key, its JWKS at `/jwks`, a discovery document at
/// `/.well-known/openid-configuration`, and tokens minted with it.
/// </summary>
public sealed class LocalIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "local-key-1" };

    private LocalIdentityProvider()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/jwks", () => Results.Json(new { keys = new[] { JsonWebKeyConverter.ConvertFromRSASecurityKey(PublicKey) } }));
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = new Uri(BaseAddress, "jwks").AbsoluteUri,
        }));
        _app.StartAsync().GetAwaiter().GetResult();
        BaseAddress = new Uri(_app.Urls.First().TrimEnd('/') + "/");
    }

    public Uri BaseAddress { get; } = new("http://127.0.0.1/");

    public string Issuer => BaseAddress.AbsoluteUri.TrimEnd('/');

    public Uri JwksUrl => new(BaseAddress, "jwks");

    /// <summary>Tokens signed with this provider's key are checked against the JWKS; one from another key is not.</summary>
    public static RsaSecurityKey StrangerKey { get; } = new(RSA.Create(2048)) { KeyId = "local-key-1" };

    public static LocalIdentityProvider Start() => new();

    public string Mint(string issuer, string audience, IDictionary<string, object> claims, TimeSpan? expiresIn = null, SecurityKey? key = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromMinutes(10));
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expires < now ? expires.AddMinutes(-10) : now,
            NotBefore = expires < now ? expires.AddMinutes(-10) : now,
            Expires = expires,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key ?? _key, key is SymmetricSecurityKey ? SecurityAlgorithms.HmacSha256 : SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private RsaSecurityKey PublicKey => new(_key.Rsa.ExportParameters(includePrivateParameters: false)) { KeyId = _key.KeyId };
}
