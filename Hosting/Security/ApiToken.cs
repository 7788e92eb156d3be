using System.Security.Cryptography;
using System.Text;

namespace QuoteCluster.Security;

/// <summary>The admin token (API_TOKEN, or the one the embedded default made): every route, the dashboard and the metrics.</summary>
public sealed record ApiToken(string Value, bool Generated)
{
    public static ApiToken Generate() => new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), Generated: true);

    public bool Matches(string? candidate) => Same(candidate, Value);

    /// <summary>Compares in constant time, so response timing tells nothing about how much of a guess was right.</summary>
    public static bool Same(string? candidate, string token) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), Encoding.UTF8.GetBytes(token));
}
