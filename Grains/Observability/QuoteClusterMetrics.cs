using System.Diagnostics.Metrics;

namespace QuoteCluster.Observability;

/// <summary>
/// QuoteCluster's own instruments, named and labelled in OpenTelemetry's conventions. No instrument carries a symbol:
/// labels are bounded sets (source, outcome, cause), because a label per ticker grows without limit.
/// </summary>
public static class QuoteClusterMetrics
{
    public const string MeterName = "QuoteCluster";

    private static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>Quotes and trades the feed received, before coalescing; label `quote.source` (alpaca, simulated).</summary>
    public static readonly Counter<long> QuotesReceived = Meter.CreateCounter<long>(
        "quotecluster.quotes.received", "{quote}", "Quotes and trades received from the market-data feed, before coalescing.");

    /// <summary>What survives coalescing: one call to a SymbolGrain per symbol per ingest batch.</summary>
    public static readonly Counter<long> SymbolUpdates = Meter.CreateCounter<long>(
        "quotecluster.ingest.symbol_updates", "{update}", "Coalesced updates delivered to SymbolGrains.");

    /// <summary>Deliveries to SymbolGrains that failed and will be tried again: the log reports them only now and then.</summary>
    public static readonly Counter<long> DispatchFailures = Meter.CreateCounter<long>(
        "quotecluster.ingest.dispatch_failures", "{delivery}", "Deliveries to SymbolGrains that failed; each is tried again.");

    /// <summary>Stream events on the live partitions: each carries the updates a silo's grains published meanwhile.</summary>
    public static readonly Counter<long> LiveBatchesPublished = Meter.CreateCounter<long>(
        "quotecluster.live.batches.published", "{event}", "Batches of live updates published to the quote streams, one stream event each.");

    public static readonly Counter<long> LiveUpdatesPublished = Meter.CreateCounter<long>(
        "quotecluster.live.updates.published", "{update}", "Live updates SymbolGrains published, in batches, to the quote streams.");

    public static readonly Counter<long> LiveUpdatesReceived = Meter.CreateCounter<long>(
        "quotecluster.live.updates.received", "{update}", "Live updates that reached a gateway (older versions dropped).");

    /// <summary>Documents written to Firestore (or logged, in a dry run); label `outcome` (success, failure).</summary>
    public static readonly Counter<long> FirestoreWrites = Meter.CreateCounter<long>(
        "quotecluster.firestore.writes", "{document}", "Quote documents written to Firestore, by outcome.");

    public static readonly Counter<long> FirestoreRetries = Meter.CreateCounter<long>(
        "quotecluster.firestore.retries", "{retry}", "Firestore commits retried after a transient error.");

    public static readonly Counter<long> WriteBudgetWaits = Meter.CreateCounter<long>(
        "quotecluster.firestore.budget_waits", "{document}", "Due writes held back because the cluster-wide write budget had no token.");

    /// <summary>Feed sessions that ended and were retried; label `cause` (transient, connection_limit, configuration).</summary>
    public static readonly Counter<long> FeedReconnects = Meter.CreateCounter<long>(
        "quotecluster.feed.reconnects", "{reconnect}", "Market-data feed reconnects, by cause.");

    public static readonly Histogram<double> QuoteLatency = Meter.CreateHistogram(
        "quotecluster.quote.latency", "s", "Time from a quote's exchange timestamp, stamped by the feed at sending, to its arrival at a gateway.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    private static IngestSource? _ingest;
    private static Func<int> _clients = () => 0;

    static QuoteClusterMetrics()
    {
        Meter.CreateObservableGauge("quotecluster.heartbeat.age", () => Measure(_ingest?.Gauges().HeartbeatAge), "s",
            "Seconds since the last heartbeat write; reported by the silo that runs the ingest feed.");
        Meter.CreateObservableGauge("quotecluster.ingest.coalescing_ratio", () => Measure(_ingest?.Gauges().CoalescingRatio), "1",
            "Quotes received per SymbolGrain update since the feed started on this silo.");
        Meter.CreateObservableUpDownCounter("quotecluster.api.clients", () => _clients(), "{client}",
            "SSE and WebSocket clients connected to this gateway.");
    }

    /// <summary>The ingest grain reports its gauges while it is active on this silo.</summary>
    public static void ObserveIngest(object owner, Func<IngestGauges> gauges) => _ingest = new IngestSource(owner, gauges);

    public static void StopObservingIngest(object owner)
    {
        var current = _ingest;
        if (current is not null && ReferenceEquals(current.Owner, owner)) Interlocked.CompareExchange(ref _ingest, null, current);
    }

    public static void ObserveClients(Func<int> clients) => _clients = clients;

    private static IEnumerable<Measurement<double>> Measure(double? value) =>
        value is { } v ? [new Measurement<double>(v)] : [];
}

internal sealed record IngestSource(object Owner, Func<IngestGauges> Gauges);

/// <summary>The ingest grain's gauges at one instant.</summary>
public sealed record IngestGauges(double? HeartbeatAge, double? CoalescingRatio);
