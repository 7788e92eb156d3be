using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using QuoteCluster.Configuration;
using QuoteCluster.Hosting;
using QuoteCluster.Storage;

namespace QuoteCluster.Tests.Support;

/// <summary>Builds in-process clusters configured exactly as the Silo host configures itself, with test settings.</summary>
public static class QuoteClusterTestCluster
{
    /// <summary>Settings as the processes read them; the market is the in-process generator unless MARKET_FEED says otherwise.</summary>
    public static QuoteClusterOptions Options(params (string Key, string Value)[] settings) =>
        QuoteClusterSettings.Load(new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("MARKET_FEED", MarketFeeds.Simulated)])
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    /// <summary>
    /// Starts a cluster; with a <paramref name="store"/> writes are recorded (and still go to Firestore when the options
    /// say so), without one they go where the options say.
    /// </summary>
    /// <param name="configure">Anything more a test needs on every silo (a fault-injecting filter).</param>
    public static async Task<InProcessTestCluster> StartAsync(
        short silos, QuoteClusterOptions options, RecordingQuoteStore? store, TimeProvider? time = null, Action<ISiloBuilder>? configure = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((siloOptions, silo) =>
        {
            silo.AddQuoteCluster(options);
            if (store is not null)
            {
                // Against a real Firestore the recorder wraps the configured store; otherwise it stands in for it.
                silo.Services.AddSingleton(sp => options.DryRun
                    ? store.ForSilo(siloOptions.SiloName)
                    : store.ForSilo(siloOptions.SiloName, QuoteStores.Create(sp, options)));
            }

            if (time is not null)
            {
                silo.Services.AddKeyedSingleton(QuoteClusterTime.Key, time);
            }

            configure?.Invoke(silo);
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(QuoteCluster.Streams.QuoteStreams.Provider));
        builder.ConfigureClientHost(host =>
        {
            host.Services.AddSingleton(options);
            host.Services.AddKeyedSingleton(QuoteClusterTime.Key, TimeProvider.System);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();

        // Placement hints and cross-silo assertions need every silo to see all the others as active first.
        await Eventually.Until(
            () => cluster.Silos.All(s => s.ServiceProvider.GetRequiredService<Orleans.Runtime.IClusterMembershipService>()
                .CurrentSnapshot.Members.Values.Count(m => m.Status == Orleans.Runtime.SiloStatus.Active) == silos),
            TimeSpan.FromSeconds(30), $"all {silos} silos to see each other as active");
        return cluster;
    }
}
