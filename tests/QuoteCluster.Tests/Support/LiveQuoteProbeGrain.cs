using Orleans.Runtime;
using Orleans.Streams;
using QuoteCluster.Quotes;
using QuoteCluster.Streams;

namespace QuoteCluster.Tests.Support;

/// <summary>
/// A stream consumer inside the cluster, placed where a test wants it, that remembers the updates it received of the
/// symbols it watches.
/// </summary>
public interface ILiveQuoteProbeGrain : IGrainWithStringKey
{
    Task<string> WatchAsync(IReadOnlyList<string> symbols);

    Task<Dictionary<string, long>> GetVersionsAsync();

    Task<int> GetUpdateCountAsync();
}

public sealed class LiveQuoteProbeGrain(ILocalSiloDetails silo) : Grain, ILiveQuoteProbeGrain
{
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private int _updates;

    public async Task<string> WatchAsync(IReadOnlyList<string> symbols)
    {
        var provider = this.GetStreamProvider(QuoteStreams.Provider);
        var watched = symbols.ToHashSet(StringComparer.Ordinal);
        foreach (var partition in symbols.Select(QuoteStreams.LivePartition).Distinct())
        {
            await provider.GetStream<LiveQuoteBatch>(QuoteStreams.Live(partition)).SubscribeAsync((batch, _) =>
            {
                foreach (var update in batch.Updates.Where(u => watched.Contains(u.Quote.Symbol)))
                {
                    _updates++;
                    _versions[update.Quote.Symbol] = Math.Max(_versions.GetValueOrDefault(update.Quote.Symbol), update.Version);
                }

                return Task.CompletedTask;
            });
        }

        return silo.SiloAddress.ToString();
    }

    public Task<Dictionary<string, long>> GetVersionsAsync() => Task.FromResult(new Dictionary<string, long>(_versions));

    public Task<int> GetUpdateCountAsync() => Task.FromResult(_updates);
}
