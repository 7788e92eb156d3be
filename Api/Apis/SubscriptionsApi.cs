using Microsoft.AspNetCore.Http.HttpResults;
using QuoteCluster.Ingest;
using QuoteCluster.Symbols;

namespace QuoteCluster.Api;

/// <summary>What the cluster ingests, changed at run time through the IngestGrain.</summary>
public static class SubscriptionsApi
{
    public static IEndpointRouteBuilder MapSubscriptionsApi(this IEndpointRouteBuilder endpoints)
    {
        var subscriptions = endpoints.MapGroup("/api/subscriptions").WithTags("Subscriptions");
        subscriptions.MapGet("/", async (IClusterClient cluster) => TypedResults.Ok(new SymbolsView(await Ingest(cluster).GetSymbolsAsync())))
            .WithSummary("The symbols the cluster ingests.");
        subscriptions.MapPost("/", AddAsync).WithSummary("Adds symbols (upper-cased); all or nothing.");
        subscriptions.MapDelete("/{symbol}", RemoveAsync).WithSummary("Stops ingesting a symbol.");
        return endpoints;
    }

    internal static async Task<Results<Ok<SymbolsView>, BadRequest<ProblemDetailsView>, Conflict<ProblemDetailsView>>> AddAsync(
        SubscriptionRequest? request, IClusterClient cluster)
    {
        if (request?.Symbols is not { Count: > 0 } requested)
        {
            return TypedResults.BadRequest(new ProblemDetailsView("invalid_request", "The body must be {\"symbols\":[\"AAPL\", ...]} with at least one symbol."));
        }

        try
        {
            var normalized = requested.Select(Symbol.Normalize).ToList();
            return TypedResults.Ok(new SymbolsView(await Ingest(cluster).AddSymbolsAsync(normalized)));
        }
        catch (InvalidSymbolException e)
        {
            return TypedResults.BadRequest(new ProblemDetailsView("invalid_symbol", e.Message));
        }
        catch (SymbolLimitExceededException e)
        {
            return TypedResults.Conflict(new ProblemDetailsView("symbol_limit", e.Message));
        }
    }

    internal static async Task<Results<Ok<SymbolsView>, BadRequest<ProblemDetailsView>, NotFound<ProblemDetailsView>>> RemoveAsync(
        string symbol, IClusterClient cluster)
    {
        if (!Symbol.TryNormalize(symbol, out var normalized, out var error))
        {
            return TypedResults.BadRequest(new ProblemDetailsView("invalid_symbol", error));
        }

        if ((await IngestedSymbols.ReadAsync(cluster)).NotIngested([normalized]) is { } notIngested)
        {
            return TypedResults.NotFound(new ProblemDetailsView("not_tracked", notIngested));
        }

        return TypedResults.Ok(new SymbolsView(await Ingest(cluster).RemoveSymbolsAsync([normalized])));
    }

    private static IIngestGrain Ingest(IClusterClient cluster) => cluster.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);
}
