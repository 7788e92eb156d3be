using Microsoft.AspNetCore.Authentication;

namespace QuoteCluster.Security;

public sealed class StaticTokenOptions : AuthenticationSchemeOptions
{
    public ApiToken? Admin { get; set; }
    public IReadOnlyList<string> ReadTokens { get; set; } = [];
}
