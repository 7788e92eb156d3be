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
        subscriptions.MapPost("/", AddAsync).WithSummary("Adds symbols (upper-cased); all or nothing.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        subscriptions.MapDelete("/{symbol}", RemoveAsync).WithSummary("Stops ingesting a symbol.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    internal static async Task<Results<Ok<SymbolsView>, ProblemHttpResult>> AddAsync(
        SubscriptionRequest? request, IClusterClient cluster)
    {
        if (request?.Symbols is not { Count: > 0 } requested)
        {
            return ApiProblems.BadRequest("invalid_request", "The body must be {\"symbols\":[\"AAPL\", ...]} with at least one symbol.");
        }

        try
        {
            var normalized = requested.Select(Symbol.Normalize).ToList();
            return TypedResults.Ok(new SymbolsView(await Ingest(cluster).AddSymbolsAsync(normalized)));
        }
        catch (InvalidSymbolException e)
        {
            return ApiProblems.BadRequest("invalid_symbol", e.Message);
        }
        catch (SymbolLimitExceededException e)
        {
            return ApiProblems.Conflict("symbol_limit", e.Message);
        }
    }

    internal static async Task<Results<Ok<SymbolsView>, ProblemHttpResult>> RemoveAsync(
        string symbol, IClusterClient cluster)
    {
        if (!Symbol.TryNormalize(symbol, out var normalized, out var error))
        {
            return ApiProblems.BadRequest("invalid_symbol", error);
        }

        if ((await IngestedSymbols.ReadAsync(cluster)).NotIngested([normalized]) is { } notIngested)
        {
            return ApiProblems.NotFound("not_tracked", notIngested);
        }

        return TypedResults.Ok(new SymbolsView(await Ingest(cluster).RemoveSymbolsAsync([normalized])));
    }

    private static IIngestGrain Ingest(IClusterClient cluster) => cluster.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);
}
