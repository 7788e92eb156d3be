using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using QuoteCluster.Hosting;
using QuoteCluster.Ingest;
using QuoteCluster.Quotes;
using QuoteCluster.Storage;
using QuoteCluster.Storage.Firestore;

namespace QuoteCluster.Benchmarks;

/// <summary>The storage tier against Firestore (the official emulator, started by the caller).</summary>
internal static class FirestoreRuns
{
    /// <summary>Commits of <paramref name="batch"/> quote documents, <paramref name="inFlight"/> at a time, straight through the store.</summary>
    public static async Task<double> StoreWritesPerSecondAsync(string emulatorHost, int batch, int inFlight, TimeSpan measure)
    {
        var options = BenchSilo.Options(("FIRESTORE_EMULATOR_HOST", emulatorHost), ("TENANT_ID", "bench"));
        using var client = FirestoreClient.Create(options);
        var store = new FirestoreQuoteStore(client, DocumentPaths.From(options), options, NullLogger<FirestoreQuoteStore>.Instance, TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        var quotes = Enumerable.Range(0, batch).Select(i => new Quote($"S{i}", 100, 100.05, 1, 1, 100.02, now, now, QuoteSources.Simulated)).ToArray();
        await store.WriteQuotesAsync(quotes, CancellationToken.None);

        long written = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            while (clock.Elapsed < measure)
            {
                await store.WriteQuotesAsync(quotes, CancellationToken.None);
                Interlocked.Add(ref written, quotes.Length);
            }
        }));
        return written / clock.Elapsed.TotalSeconds;
    }

    public sealed record PipelineResult(double QuotesPerSecond, double WritesPerSecond, int PendingAtEnd, double HeapStartMb, double HeapEndMb, double HeapMaxMb, bool WritesExpected);

    /// <summary>The whole silo writing to Firestore: quotes in, documents out, and the managed heap meanwhile.</summary>
    /// <param name="expectWrites">Whether documents are expected out (Firestore reachable): the warm-up then also lasts until the first is written.</param>
    public static async Task<PipelineResult> PipelineAsync(int symbols, double rate, TimeSpan warmup, TimeSpan measure, bool expectWrites, params (string Key, string Value)[] settings)
    {
        var names = Enumerable.Range(0, symbols).Select(i => $"S{i}").ToArray();
        var options = BenchSilo.Options([.. BenchSilo.Symbols(names), ("SIMULATED_QUOTES_PER_SEC", rate.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("ORLEANS_DASHBOARD", "0"), ("TENANT_ID", "bench"), .. settings]);
        CountingQuoteStore? counting = null;
        using var host = await BenchSilo.StartAsync(options, services =>
            services.AddSingleton<IQuoteStore>(sp => counting = new CountingQuoteStore(QuoteStores.Create(sp, options))));
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var ingest = grains.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);
        await WarmUp.RunAsync(warmup, async () => (await ingest.GetStatusAsync()).QuotesReceived > 0 && (!expectWrites || counting!.QuotesWritten > 0));

        var heapStart = Heap(forceCollection: true);
        var before = await ingest.GetStatusAsync();
        var writesBefore = counting!.QuotesWritten;
        var maxHeap = heapStart;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < measure)
        {
            await Task.Delay(500);
            maxHeap = Math.Max(maxHeap, Heap(forceCollection: false));
        }

        var after = await ingest.GetStatusAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        var writes = counting.QuotesWritten - writesBefore;
        var heapEnd = Heap(forceCollection: true);
        var pending = 0;
        for (var p = 0; p < options.WriterPartitions; p++)
        {
            pending += await grains.GetGrain<IQuoteWriterGrain>(p.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetPendingCountAsync();
        }

        await host.StopAsync();
        return new PipelineResult((after.QuotesReceived - before.QuotesReceived) / seconds, writes / seconds, pending, heapStart, heapEnd, maxHeap, expectWrites);
    }

    private static double Heap(bool forceCollection) => GC.GetTotalMemory(forceCollection) / 1024.0 / 1024.0;


}
