using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using QuoteCluster.Configuration;
using QuoteCluster.Ingest;
using QuoteCluster.Quotes;
using QuoteCluster.Symbols;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Cluster;

/// <summary>
/// Outside Redis mode the grains' state lives in the cluster's memory, serialized by Orleans' binary serializer rather
/// than the JSON one Orleans defaults to (Newtonsoft.Json, which the process would run for nothing else).
/// </summary>
public sealed class GrainStorageTests(OneSiloCluster fixture) : IClassFixture<OneSiloCluster>
{
    [Fact]
    public void The_silos_default_storage_serializer_is_Orleans_binary_one()
    {
        // The memory storage builds the default even when its options name another.
        Assert.IsType<OrleansGrainStorageSerializer>(fixture.Silo.GetRequiredService<IGrainStorageSerializer>());
    }

    [Theory]
    [InlineData(StorageNames.Grains)]
    [InlineData(StorageNames.PubSub)]
    public void Each_memory_storage_serializes_with_Orleans_binary_serializer(string storage)
    {
        var options = fixture.Silo.GetRequiredService<IOptionsMonitor<MemoryGrainStorageOptions>>().Get(storage);

        Assert.IsType<OrleansGrainStorageSerializer>(options.GrainStorageSerializer);
    }

    [Fact]
    public async Task A_symbols_state_reads_back_as_it_was_written()
    {
        var now = DateTimeOffset.UtcNow;
        var written = new SymbolState
        {
            Latest = new QuoteUpdate(new Quote("TEST", 10.01, 10.03, 100, 200, 10.02, now.AddMilliseconds(-3), now, QuoteSources.Simulated), 42),
            StoredVersion = 41,
        };

        var read = await RoundTripAsync("symbol", written);

        Assert.Equal(written.Latest, read.Latest);
        Assert.Equal(41, read.StoredVersion);
    }

    [Fact]
    public async Task The_ingest_state_reads_back_as_it_was_written()
    {
        var written = new IngestState { Symbols = ["AAPL", "MSFT"], LeavingSilos = ["S127.0.0.1:11111:1"] };

        var read = await RoundTripAsync("ingest", written);

        Assert.Equal(written.Symbols, read.Symbols);
        Assert.Equal(written.LeavingSilos, read.LeavingSilos);
    }

    private async Task<T> RoundTripAsync<T>(string stateName, T state) where T : class, new()
    {
        var storage = fixture.Silo.GetRequiredKeyedService<IGrainStorage>(StorageNames.Grains);
        var grain = GrainId.Create("test", Guid.NewGuid().ToString("N"));
        await storage.WriteStateAsync(stateName, grain, new GrainState<T>(state));

        var read = new GrainState<T>(new T());
        await storage.ReadStateAsync(stateName, grain, read);
        Assert.True(read.RecordExists);
        return Assert.IsType<T>(read.State);
    }
}
