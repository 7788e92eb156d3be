using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QuoteCluster.Hosting;
using QuoteCluster.Ingest;
using QuoteCluster.Api.Live;
using QuoteCluster.Quotes;
using QuoteCluster.Feeds.Simulation;
using QuoteCluster.Symbols;

namespace QuoteCluster.Benchmarks;

internal sealed record IngestPipelineResult(
    int Symbols, double TargetRate, double QuotesPerSecond, double LiveUpdatesPerSecond, double SymbolCallsPerSecond,
    double P50Ms, double P99Ms, double MaxHeapMb, double MaxRssMb, bool WholeMarket,
    double GatewayReadsPerSecond, double StreamEventsPerSecond, IngestPipelineStages Stages);

/// <summary>Where a run's time went, measured beside the latency: what the row's figures alone cannot say.</summary>
/// <param name="FeedToGrainP50Ms">Age of a SymbolGrain's latest quote when read: how stale ingest leaves the grains.</param>
/// <param name="CpuCores">Cores the process used, of <see cref="Environment.ProcessorCount"/>.</param>
/// <param name="ThreadPoolQueueMedian">Work items waiting for a thread, sampled: the silo's own queueing.</param>
/// <param name="GcPausedMs">Time the garbage collector paused the process during the window.</param>
/// <param name="GatewayResubscribes">Stream subscriptions the gateway re-made during the window.</param>
internal sealed record IngestPipelineStages(
    double FeedToGrainP50Ms, double FeedToGrainP99Ms, double CpuCores, long ThreadPoolQueueMedian, long ThreadPoolQueueMax,
    double GcPausedMs, long GatewayResubscribes);

/// <summary>
/// One in-process silo on the production configuration: simulated feed → IngestGrain → SymbolGrains → live streams →
/// a gateway's QuoteSubscriptionHub, whose listener is the stream consumer that measures latency from feed to consumer.
/// </summary>
internal static class IngestPipelineRun
{
    /// <param name="wholeMarket">
    /// MONITORED_SYMBOLS=* on a simulated market of <paramref name="symbols"/> (SIMULATED_UNIVERSE), MAX_SYMBOLS the same:
    /// the ingest grain discovers the symbols as they arrive instead of being told them.
    /// </param>
    public static async Task<IngestPipelineResult> RunAsync(int symbols, double rate, TimeSpan warmup, TimeSpan measure, bool wholeMarket = false)
    {
        var names = wholeMarket ? [.. QuoteGenerator.Universe(symbols)] : Enumerable.Range(0, symbols).Select(i => $"S{i}").ToArray();
        var count = symbols.ToString(System.Globalization.CultureInfo.InvariantCulture);
        (string, string)[] symbolSettings = wholeMarket
            ? [("MONITORED_SYMBOLS", "*"), ("SIMULATED_UNIVERSE", count), ("MAX_SYMBOLS", count)]
            : BenchSilo.Symbols(names);
        var options = BenchSilo.Options([
            .. symbolSettings,
            ("SIMULATED_QUOTES_PER_SEC", rate.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("ORLEANS_DASHBOARD", "0"),
            ("DRY_RUN", "1")]);
        using var host = await BenchSilo.StartAsync(options, services => services.AddQuoteSubscriptionHub());

        var latency = new LatencyHistogram();
        var hub = host.Services.GetRequiredService<QuoteSubscriptionHub>();
        var listener = new LatencyListener(latency);
        foreach (var symbol in names)
        {
            await hub.SubscribeAsync(symbol, listener);
        }

        var ingest = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);
        await WarmUp.RunAsync(warmup, () => Task.FromResult(latency.Count > 0));

        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var before = await ingest.GetStatusAsync();
        var (readsBefore, subscribesBefore, pausedBefore) = (hub.GrainReads, hub.StreamSubscribes, GC.GetTotalPauseDuration());
        using var batches = new LiveBatchCount();
        latency.Reset();
        var clock = Stopwatch.StartNew();
        var maxHeap = 0L;
        var maxRss = 0L;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var grainAges = new LatencyHistogram();
        var queue = new List<long>();
        var pick = new Random(1);
        while (clock.Elapsed < measure)
        {
            await Task.Delay(250);
            maxHeap = Math.Max(maxHeap, GC.GetTotalMemory(false));
            process.Refresh();
            maxRss = Math.Max(maxRss, process.WorkingSet64);
            queue.Add(ThreadPool.PendingWorkItemCount);

            // Twenty grains a sample, eighty reads a second: next to nothing beside the pipeline's own calls.
            var sampled = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => grains.GetGrain<ISymbolGrain>(names[pick.Next(names.Length)]).GetLatestAsync()));
            foreach (var update in sampled.OfType<QuoteUpdate>()) grainAges.Record((DateTimeOffset.UtcNow - update.Quote.ReceivedAt).TotalMilliseconds);
        }

        process.Refresh();
        var after = await ingest.GetStatusAsync();
        var events = latency.Count;
        var seconds = clock.Elapsed.TotalSeconds;
        queue.Sort();
        var stages = new IngestPipelineStages(
            grainAges.Percentile(0.50), grainAges.Percentile(0.99), (process.TotalProcessorTime - cpuBefore).TotalSeconds / seconds,
            queue[queue.Count / 2], queue[^1], (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds, hub.StreamSubscribes - subscribesBefore);
        var result = new IngestPipelineResult(
            symbols, rate,
            (after.QuotesReceived - before.QuotesReceived) / seconds,
            events / seconds,
            (after.SymbolCalls - before.SymbolCalls) / seconds,
            latency.Percentile(0.50), latency.Percentile(0.99), maxHeap / 1024.0 / 1024.0, maxRss / 1024.0 / 1024.0, wholeMarket,
            (hub.GrainReads - readsBefore) / seconds, batches.Count / seconds, stages);

        await host.StopAsync();
        return result;
    }


    /// <summary>Stream events on the live partitions, from the silo's own counter.</summary>
    private sealed class LiveBatchCount : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private long _count;

        public LiveBatchCount()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == QuoteCluster.Observability.QuoteClusterMetrics.MeterName
                    && instrument.Name == "quotecluster.live.batches.published")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private sealed class LatencyListener(LatencyHistogram histogram) : IQuoteListener
    {
        public void OnQuote(QuoteUpdate update) =>
            histogram.Record(QuoteLatency.Since(update.Quote, DateTimeOffset.UtcNow).TotalMilliseconds);
    }
}
