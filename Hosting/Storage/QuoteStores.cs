using Microsoft.Extensions.DependencyInjection;
using QuoteCluster.Configuration;
using QuoteCluster.Storage;
using QuoteCluster.Storage.Firestore;

namespace QuoteCluster.Hosting;

public static class QuoteStores
{
    /// <summary>The store the settings ask for: the dry-run log or Firestore.</summary>
    public static IQuoteStore Create(IServiceProvider services, QuoteClusterOptions options) => options.StorageMode switch
    {
        StorageMode.DryRun => ActivatorUtilities.CreateInstance<DryRunQuoteStore>(services),
        _ => ActivatorUtilities.CreateInstance<FirestoreQuoteStore>(services, services.GetRequiredKeyedService<TimeProvider>(QuoteClusterTime.Key)),
    };
}
