using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Api;

/// <summary>
/// The embedded default with every kind of credential: the admin token, read tokens, Firebase ID tokens (the preset,
/// its keys served by <see cref="LocalIdentityProvider"/>) for tenant `acme`, and a stream-ticket key of its own.
/// </summary>
public sealed class SecurityApiFactory : EmbeddedApiFactory
{
    public const string ReadToken = "read-token-for-tests";

    /// <summary>Read tokens that only the rate-limit tests spend, so their budgets are not shared with the table.</summary>
    public const string TicketLimitToken = "ticket-limit-token";
    public const string MessageLimitToken = "message-limit-token";

    public const string Tenant = "acme";
    public const string FirebaseProject = "demo-quotes";
    public const string TicketKey = "a-stream-ticket-key-of-at-least-32-bytes";

    public LocalIdentityProvider Identity { get; } = LocalIdentityProvider.Start();

    public IngestStatusCalls StatusCalls { get; } = new();

    public static string FirebaseIssuer => $"https://securetoken.google.com/{FirebaseProject}";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("API_READ_TOKENS", $"{ReadToken},{TicketLimitToken},{MessageLimitToken}");
        builder.UseSetting("TENANT_ID", Tenant);
        builder.UseSetting("FIREBASE_AUTH_PROJECT_ID", FirebaseProject);
        builder.UseSetting("JWT_JWKS_URL", Identity.JwksUrl.AbsoluteUri);
        builder.UseSetting("STREAM_TICKET_KEY", TicketKey);
        builder.ConfigureTestServices(services => services.AddSingleton<IIncomingGrainCallFilter>(StatusCalls));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Identity.DisposeAsync();
    }
}
