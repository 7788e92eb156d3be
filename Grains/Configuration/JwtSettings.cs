namespace QuoteCluster.Configuration;

/// <summary>
/// How the gateway checks JSON Web Tokens from the users' identity provider: who must have signed them (issuer, audience),
/// where the signing keys come from (a shared HS256 secret, an OpenID Connect authority, or a JWKS URL), and which
/// claim makes a caller an admin.
/// </summary>
/// <remarks>Exactly one of <see cref="SigningKey"/>, <see cref="Authority"/> and <see cref="JwksUrl"/> is set.</remarks>
public sealed record JwtSettings
{
    /// <summary>Where Google publishes the keys that sign Firebase ID tokens (the preset's default JWKS URL).</summary>
    public static readonly Uri FirebaseJwksUrl = new("https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com");

    /// <summary>The tokens' lifetime is checked with this much leeway for clocks that disagree.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>The claim that must equal TENANT_ID, as the systems our users run put it in their ID tokens.</summary>
    public const string TenantClaim = "tenant_id";

    public required string Issuer { get; init; }
    public required string Audience { get; init; }

    /// <summary>HS256: the secret shared with the token issuer.</summary>
    public string? SigningKey { get; init; }

    /// <summary>RS256: an OpenID Connect issuer whose discovery document names its keys.</summary>
    public Uri? Authority { get; init; }

    /// <summary>RS256: the JSON Web Key Set itself.</summary>
    public Uri? JwksUrl { get; init; }

    /// <summary>The claim whose value `admin` (or `true`) makes a caller an admin; any other valid token reads.</summary>
    public string RoleClaim { get; init; } = "role";

    /// <summary>Set when the Firebase preset filled the issuer, audience and keys in (FIREBASE_AUTH_PROJECT_ID).</summary>
    public string? FirebaseProjectId { get; init; }
}
