using Microsoft.Extensions.DependencyInjection.Extensions;

namespace QuoteCluster.Api.Live;

public static class QuoteSubscriptionHubRegistration
{
    /// <summary>The live-update fan-out of an API gateway: one stream subscription per live partition, handed out and healed per symbol.</summary>
    public static IServiceCollection AddQuoteSubscriptionHub(this IServiceCollection services)
    {
        services.TryAddSingleton<QuoteSubscriptionHub>();
        services.AddHostedService(sp => sp.GetRequiredService<QuoteSubscriptionHub>());
        return services;
    }
}
