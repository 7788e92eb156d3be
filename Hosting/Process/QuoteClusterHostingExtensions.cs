using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using QuoteCluster.Configuration;
using QuoteCluster.Logging;
using QuoteCluster.Observability;

namespace QuoteCluster.Hosting;

/// <summary>What every QuoteCluster process is made of, whatever its role.</summary>
public static class QuoteClusterHostingExtensions
{
    public const string ServiceId = "quotecluster";

    /// <summary>How long a stop may take; Kubernetes' termination grace period must outlast it.</summary>
    public static TimeSpan ShutdownTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Label sets kept per metric instrument; see docs/operations.md (Memory).</summary>
    public const int MetricSeriesLimit = 64;

    /// <summary>
    /// Label sets kept by the instruments whose labels multiply or accumulate: HTTP request durations (routes, methods,
    /// status codes), and Orleans' message sizes and pings, labelled with each peer silo's address and generation, so a
    /// process that outlives silo restarts gains series with each new silo it talks to.
    /// </summary>
    public const int WideSeriesLimit = 200;

    private static int SeriesLimit(Instrument instrument) =>
        instrument.Name is "http.server.request.duration" or "orleans-messaging-sent-messages-size" or "orleans-messaging-received-messages-size"
            || instrument.Name.StartsWith("orleans-messaging-pings-", StringComparison.Ordinal)
            ? WideSeriesLimit
            : MetricSeriesLimit;

    /// <summary>Settings, JSON logs, the clock, metrics export, bounded shutdown and STOP_AFTER_SECONDS.</summary>
    public static QuoteClusterOptions AddQuoteClusterBasics(this IHostApplicationBuilder builder, string role)
    {
        var options = QuoteClusterSettings.Load(builder.Configuration);
        builder.Services.TryAddSingleton(options);
        builder.Services.TryAddKeyedSingleton(QuoteClusterTime.Key, TimeProvider.System);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddHostedService<StopAfterService>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(QuoteClusterMetrics.MeterName, "Microsoft.Orleans", "System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            // The SDK preallocates room for 2,000 label sets per instrument: 144 KB for each of about 250 instruments,
            // 36 MB of live heap for series that mostly have a handful of labels (none is per symbol; one per grain type
            // is about 25). Beyond the limit a series is folded into one overflow series, so nothing is dropped silently.
            .AddView(instrument => new MetricStreamConfiguration { CardinalityLimit = SeriesLimit(instrument) })
            .AddPrometheusExporter());
        builder.Services.AddHostedService<StartupGarbageRelease>();
        if (GlibcMalloc.CanTrim) builder.Services.AddHostedService<NativeHeapTrim>();

        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.FormatterName = JsonLineConsoleFormatter.FormatterName);
        builder.Logging.AddConsoleFormatter<JsonLineConsoleFormatter, ConsoleFormatterOptions>();
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);

        // The memory-stream receiver logs every failed read as an error, a read its stopping agent cancelled included
        // (WaitingMemoryAdapterFactory says why that is nearly every stop); a read that really fails is still logged,
        // by the pulling agent that retries it.
        builder.Logging.AddFilter("Orleans.Providers.MemoryAdapterReceiver", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);

        using var startupLogs = LoggerFactory.Create(l => l
            .AddConsole(o => o.FormatterName = JsonLineConsoleFormatter.FormatterName)
            .AddConsoleFormatter<JsonLineConsoleFormatter, ConsoleFormatterOptions>());
        Log.Startup(startupLogs.CreateLogger("QuoteCluster"), role, options.ClusterMode.ToString().ToLowerInvariant(),
            options.StorageMode == StorageMode.DryRun ? "dry-run" : "firestore", options.MarketFeed);
        return options;
    }
}
