using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace QuoteCluster.Security;

/// <summary>
/// Reads a bare JSON Web Key Set (JWT_JWKS_URL, Google's keys for Firebase ID tokens) where the framework expects an
/// OpenID Connect discovery document, so the JWT handler's configuration manager caches and refreshes the keys as it
/// does for an authority (a token signed with an unknown key id triggers a refresh).
/// </summary>
internal sealed class JwksRetriever : IConfigurationRetriever<OpenIdConnectConfiguration>
{
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
    {
        var keys = new JsonWebKeySet(await retriever.GetDocumentAsync(address, cancel));
        var configuration = new OpenIdConnectConfiguration { JsonWebKeySet = keys };
        foreach (var key in keys.GetSigningKeys()) configuration.SigningKeys.Add(key);
        return configuration;
    }
}
