using Microsoft.AspNetCore.Http.HttpResults;
using QuoteCluster.Quotes;
using QuoteCluster.Security;
using QuoteCluster.Symbols;

namespace QuoteCluster.Api;

/// <summary>Latest quotes, read from the SymbolGrains.</summary>
public static class QuotesApi
{
    public static IEndpointRouteBuilder MapQuotesApi(this IEndpointRouteBuilder endpoints)
    {
        var quotes = endpoints.MapGroup("/api/quotes").WithTags("Quotes").RequireAuthorization(QuoteClusterPolicies.Read);
        quotes.MapGet("/", GetQuotesAsync).WithSummary("Latest quote of each requested symbol, or of every ingested symbol.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        quotes.MapGet("/{symbol}", GetQuoteAsync).WithSummary("Latest quote of one symbol.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    internal static async Task<Results<Ok<QuoteView>, ProblemHttpResult>> GetQuoteAsync(
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

        var latest = await cluster.GetGrain<ISymbolGrain>(normalized).GetLatestAsync();
        return latest is null
            ? ApiProblems.NotFound("not_tracked", $"No quote for '{normalized}' yet.")
            : TypedResults.Ok(QuoteView.From(latest));
    }

    internal static async Task<Results<Ok<QuoteView[]>, ProblemHttpResult>> GetQuotesAsync(string? symbols, IClusterClient cluster)
    {
        IReadOnlyList<string> wanted;
        try
        {
            wanted = string.IsNullOrWhiteSpace(symbols) ? [] : Symbol.ParseList(symbols);
        }
        catch (InvalidSymbolException e)
        {
            return ApiProblems.BadRequest("invalid_symbol", e.Message);
        }

        // Only ingested symbols are read: asking a SymbolGrain activates it, so any other name would leave a grain behind.
        var ingested = await IngestedSymbols.ReadAsync(cluster);
        if (wanted.Count == 0)
        {
            wanted = ingested.All;
        }
        else if (ingested.NotIngested(wanted) is { } notIngested)
        {
            return ApiProblems.NotFound("not_tracked", notIngested);
        }

        var latest = await Task.WhenAll(wanted.Select(s => cluster.GetGrain<ISymbolGrain>(s).GetLatestAsync()));
        return TypedResults.Ok(latest.OfType<QuoteUpdate>().Select(QuoteView.From).ToArray());
    }
}
