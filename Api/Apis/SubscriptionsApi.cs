using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using QuoteCluster.Configuration;
using QuoteCluster.Ingest;
using QuoteCluster.Security;
using QuoteCluster.Symbols;

namespace QuoteCluster.Api;

/// <summary>What the cluster ingests, changed at run time through the IngestGrain.</summary>
public static class SubscriptionsApi
{
    /// <summary>
    /// A request body's limit: a thousand symbols of 21 characters fit in about 25 KB. Kestrel's default (30 MB) would
    /// let one request make the gateway parse and upper-case millions of symbols before the limit below could refuse it.
    /// </summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Symbols one request may add; the IngestGrain checks every one of them inside the cluster's singleton.</summary>
    public const int MaxSymbolsPerRequest = 1000;

    public static IEndpointRouteBuilder MapSubscriptionsApi(this IEndpointRouteBuilder endpoints)
    {
        var subscriptions = endpoints.MapGroup("/api/subscriptions").WithTags("Subscriptions").RequireAuthorization(QuoteClusterPolicies.Admin);
        subscriptions.MapGet("/", async (IClusterClient cluster) => TypedResults.Ok(new SymbolsView(await Ingest(cluster).GetSymbolsAsync())))
            .WithSummary("The symbols the cluster ingests.");
        subscriptions.MapPost("/", AddAsync).WithSummary("Adds symbols (upper-cased); all or nothing.")
            .Accepts<SubscriptionRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        subscriptions.MapDelete("/{symbol}", RemoveAsync).WithSummary("Stops ingesting a symbol.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return endpoints;
    }

    internal static async Task<Results<Ok<SymbolsView>, ProblemHttpResult>> AddAsync(
        HttpRequest http, IClusterClient cluster, IOptions<JsonOptions> json)
    {
        var body = await ReadBoundedAsync(http);
        if (body is null)
        {
            return ApiProblems.PayloadTooLarge("body_too_large", $"The body is over {MaxBodyBytes} bytes; send at most {MaxSymbolsPerRequest} symbols a request.");
        }

        SubscriptionRequest? request = null;
        try
        {
            request = JsonSerializer.Deserialize<SubscriptionRequest>(body, json.Value.SerializerOptions);
        }
        catch (JsonException)
        {
        }

        if (request?.Symbols is not { Count: > 0 } requested)
        {
            return ApiProblems.BadRequest("invalid_request", "The body must be {\"symbols\":[\"AAPL\", ...]} with at least one symbol.");
        }

        if (requested.Count > MaxSymbolsPerRequest)
        {
            return ApiProblems.BadRequest("too_many_symbols", $"{requested.Count} symbols in one request; send at most {MaxSymbolsPerRequest} a request. Nothing was added.");
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
        catch (AllSymbolsIngestedException e)
        {
            return ApiProblems.Conflict("all_symbols", e.Message);
        }
    }

    internal static async Task<Results<Ok<SymbolsView>, ProblemHttpResult>> RemoveAsync(
        string symbol, IClusterClient cluster, QuoteClusterOptions options)
    {
        if (!Symbol.TryNormalize(symbol, out var normalized, out var error))
        {
            return ApiProblems.BadRequest("invalid_symbol", error);
        }

        // Under MONITORED_SYMBOLS=* the answer is 409 whether or not the symbol has arrived yet: nothing can be removed.
        if (options.AllSymbols)
        {
            return ApiProblems.Conflict("all_symbols", AllSymbolsIngestedException.Explanation);
        }

        if ((await IngestedSymbols.ReadAsync(cluster)).NotIngested([normalized]) is { } notIngested)
        {
            return ApiProblems.NotFound("not_tracked", notIngested);
        }

        try
        {
            return TypedResults.Ok(new SymbolsView(await Ingest(cluster).RemoveSymbolsAsync([normalized])));
        }
        catch (AllSymbolsIngestedException e)
        {
            // The silos run with the wildcard though this gateway's settings do not say so.
            return ApiProblems.Conflict("all_symbols", e.Message);
        }
    }

    /// <summary>The body, or null when it is over <see cref="MaxBodyBytes"/>: read no further than that, whatever it claims.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(HttpRequest http)
    {
        if (http.ContentLength > MaxBodyBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await http.Body.ReadAsync(chunk, http.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static IIngestGrain Ingest(IClusterClient cluster) => cluster.GetGrain<IIngestGrain>(IIngestGrain.SingletonKey);
}
