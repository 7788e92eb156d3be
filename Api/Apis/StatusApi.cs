using Microsoft.AspNetCore.Http.HttpResults;
using QuoteCluster.Api.Live;
using QuoteCluster.Configuration;
using QuoteCluster.Ingest;
using QuoteCluster.Hosting;
using QuoteCluster.Quotes;
using QuoteCluster.Security;

namespace QuoteCluster.Api;

/// <summary>The feed's state as the systems our users run today report it, and the Kubernetes readiness probe.</summary>
public static class StatusApi
{
    /// <summary>How long a gateway waits for the cluster before answering that it is unreachable.</summary>
    internal static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/stream/status", GetStatusAsync).WithTags("Status")
            .WithSummary("Feed connection, symbols, clients, heartbeat age and LIVE / STALE / OFFLINE.")
            .RequireAuthorization(QuoteClusterPolicies.Read);
        endpoints.MapGet("/readyz", GetReadinessAsync).ExcludeFromDescription();
        return endpoints;
    }

    internal static async Task<Ok<StreamStatusView>> GetStatusAsync(
        IClusterClient cluster, LiveConnections connections, QuoteSubscriptionHub hub, QuoteClusterOptions options, [FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time)
    {
        FeedStatus? status = null;
        string? error = null;
        try
        {
            status = await ReadFeedStatusAsync(cluster);
        }
        catch (Exception e)
        {
            error = $"cluster unreachable: {e.Message}";
        }

        var age = status?.LastHeartbeatAt is { } at ? Math.Max(0, (time.GetUtcNow() - at).TotalSeconds) : (double?)null;
        return TypedResults.Ok(new StreamStatusView(
            status?.Connected == true && status.Feed == QuoteSources.Alpaca,
            status?.Symbols ?? [],
            status?.Symbols.Count ?? 0,
            connections.Count,
            hub.SymbolCount,
            age is null ? null : Math.Round(age.Value, 1),
            Classify(status, age, options.HeartbeatStaleAfter),
            status?.Feed,
            status?.State.WireName(),
            status?.LastError ?? error,
            status is null ? 0 : Math.Round(status.QuotesPerSecond, 1),
            status?.LastSymbol,
            status?.LastHeartbeatAt)
        {
            AllSymbols = status?.AllSymbols ?? options.AllSymbols,
            DroppedQuotes = status?.DroppedQuotes ?? 0,
            DroppedSymbols = status?.DroppedSymbols ?? 0,
        });
    }

    /// <summary>The ingest grain's account of the feed, or a timeout when the cluster does not answer in time.</summary>
    internal static Task<FeedStatus> ReadFeedStatusAsync(IClusterClient cluster) =>
        cluster.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey).GetStatusAsync().WaitAsync(ClusterTimeout);

    /// <summary>
    /// The rule of the UIs our users run (docs/configuration.md): LIVE while the heartbeat is at most HEARTBEAT_STALE_AFTER_S
    /// old, STALE when older, OFFLINE with no heartbeat or no authenticated feed connection.
    /// </summary>
    public static string Classify(FeedStatus? status, double? heartbeatAgeSeconds, TimeSpan staleAfter) =>
        status is null || heartbeatAgeSeconds is null || !status.Connected ? "OFFLINE"
        : heartbeatAgeSeconds.Value <= staleAfter.TotalSeconds ? "LIVE"
        : "STALE";

    /// <summary>Open to anyone (the kubelet has no token), so it answers from <see cref="ReadinessCache"/>, not a grain call per request.</summary>
    internal static async Task<Results<Ok<ReadinessView>, JsonHttpResult<ReadinessView>>> GetReadinessAsync(ReadinessCache readiness)
    {
        var outcome = await readiness.ReadAsync();
        return outcome.Status is { } status
            ? TypedResults.Ok(new ReadinessView("ready", status.State.WireName(), status.LastError))
            : TypedResults.Json(new ReadinessView("unready", null, outcome.Error), statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
