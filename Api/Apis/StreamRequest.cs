using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using QuoteCluster.Api.Live;
using QuoteCluster.Symbols;

namespace QuoteCluster.Api;

/// <summary>A streaming client's request, validated: symbols (default: all ingested) and its update rate cap.</summary>
internal sealed record StreamRequest(IReadOnlyList<string> Symbols, double? MaxHz, ProblemHttpResult? Refusal)
{
    /// <summary>No symbols were named: the client wants every ingested symbol, those listed later included.</summary>
    public bool EverySymbol { get; private init; }

    public const double MaxAllowedHz = 100;

    /// <summary>One update every 10 s at the slowest: the send interval is 1/maxHz, and Task.Delay takes at most ~49 days.</summary>
    public const double MinAllowedHz = 0.1;

    /// <param name="emptyMeansNone">WebSocket clients subscribe by message, so no symbols means none rather than all.</param>
    public static async Task<StreamRequest> ResolveAsync(string? symbols, double? maxHz, IClusterClient cluster, bool emptyMeansNone = false)
    {
        if (maxHz is { } hz && !(hz >= MinAllowedHz && hz <= MaxAllowedHz))
        {
            return Refuse(ApiProblems.BadRequest("invalid_max_hz",
                $"maxHz={hz.ToString(CultureInfo.InvariantCulture)} is not allowed: give updates per second from {MinAllowedHz.ToString(CultureInfo.InvariantCulture)} to {MaxAllowedHz}."));
        }

        if (string.IsNullOrWhiteSpace(symbols) && emptyMeansNone) return new StreamRequest([], maxHz, null);
        IngestedSymbols ingested;
        try
        {
            ingested = await IngestedSymbols.ReadAsync(cluster);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The ingest grain is moving (a silo died) or cannot start: a client should retry, not see a 500.
            return Refuse(ApiProblems.ServiceUnavailable("cluster_unavailable",
                $"The cluster could not say which symbols it ingests just now ({e.GetType().Name}); retry shortly."));
        }

        if (string.IsNullOrWhiteSpace(symbols)) return new StreamRequest(ingested.All, maxHz, null) { EverySymbol = true };

        IReadOnlyList<string> wanted;
        try
        {
            wanted = Symbol.ParseList(symbols);
        }
        catch (InvalidSymbolException e)
        {
            return Refuse(ApiProblems.BadRequest("invalid_symbol", e.Message));
        }

        return ingested.NotIngested(wanted) is { } notIngested
            ? Refuse(ApiProblems.NotFound("not_tracked", notIngested))
            : new StreamRequest(wanted, maxHz, null);
    }

    /// <summary>
    /// Takes a connection slot for a valid request; otherwise, or when the gateway is full (API_MAX_CONNECTIONS), answers
    /// with the reason and returns null.
    /// </summary>
    public async Task<IDisposable?> AdmitAsync(HttpContext context, LiveConnections connections)
    {
        if (Refusal is not null)
        {
            await Refusal.ExecuteAsync(context);
            return null;
        }

        if (connections.TryEnter(out var lease)) return lease;
        await ApiProblems.ServiceUnavailable("connection_limit",
            $"This gateway already serves {connections.Limit} streaming clients (API_MAX_CONNECTIONS); try another gateway or later.").ExecuteAsync(context);
        return null;
    }

    private static StreamRequest Refuse(ProblemHttpResult refusal) => new([], null, refusal);
}
