using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using QuoteCluster.Configuration;

namespace QuoteCluster.Security;

/// <summary>
/// Short-lived stream tickets: a JWT the gateway signs itself (HS256) for a caller who already proved who they are, good
/// for about a minute and only to open `/api/stream/prices` or `/api/ws` with the caller's role. Browsers cannot put a
/// header on an EventSource or a WebSocket, so a stream URL carries one of these instead of a long-lived credential.
/// </summary>
/// <remarks>
/// Every gateway replica must verify what any other issued, so the key comes from configuration, never from the
/// process: STREAM_TICKET_KEY, or, when unset, a key derived from the admin token every replica shares. A ticket may be
/// used more than once within its minute (a dropped stream reconnects with it); single use would need state shared by
/// all replicas for a gain of seconds.
/// </remarks>
public sealed class StreamTickets
{
    public const string Issuer = "quotecluster-gateway";
    public const string Audience = "quotecluster-stream";
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    /// <summary>Gateways verify each other's tickets, so allow for their clocks disagreeing a little.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    private readonly SymmetricSecurityKey _key;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public StreamTickets(string secret, TimeProvider time)
    {
        // A key for this one purpose, so a ticket key derived from API_TOKEN reveals nothing about API_TOKEN.
        _key = new SymmetricSecurityKey(HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, info: "quotecluster stream tickets"u8.ToArray()));
        _time = time;
        ValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            NameClaimType = JwtRegisteredClaimNames.Sub,
            RoleClaimType = QuoteClusterRoles.ClaimType,
            LifetimeValidator = IsCurrent,
        };
    }

    public static StreamTickets Create(QuoteClusterOptions options, ApiToken admin, TimeProvider time) =>
        new(options.StreamTicketKey ?? admin.Value, time);

    /// <summary>What the stream-ticket scheme checks: this key, this issuer and audience, and the ticket's minute.</summary>
    public TokenValidationParameters ValidationParameters { get; }

    /// <summary>A ticket for <paramref name="caller"/>, with their name and role; the caller must hold a role.</summary>
    public (string Ticket, DateTimeOffset ExpiresAt) Issue(ClaimsPrincipal caller)
    {
        var role = caller.FindFirst(QuoteClusterRoles.ClaimType)?.Value ?? throw new InvalidOperationException("only an authorized caller gets a ticket");
        var now = _time.GetUtcNow();
        var expires = now + Lifetime;
        var ticket = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = caller.Identity?.Name ?? "anonymous",
                [QuoteClusterRoles.ClaimType] = role,
                [JwtRegisteredClaimNames.Jti] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            },
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
        return (ticket, expires);
    }

    private bool IsCurrent(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return expires is { } end && now < end + ClockSkew && (notBefore is not { } start || now >= start - ClockSkew);
    }
}
