using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using QuoteCluster.Configuration;
using QuoteCluster.Logging;
using QuoteCluster.Observability;
using QuoteCluster.Quotes;

namespace QuoteCluster.Storage.Firestore;

/// <summary>Quote and heartbeat documents in Firestore, with Google's retry rules and a circuit breaker.</summary>
/// <remarks>
/// Retries stay short (a few attempts within seconds) because the writer grain keeps every symbol's latest pending
/// quote and tries again at its next flush; the breaker turns an outage into fast failures instead of a retry storm,
/// and a half-open probe finds the service again when it is back.
/// </remarks>
public sealed class FirestoreQuoteStore : IQuoteStore
{
    /// <summary>Retryable per Google's service config for Commit; our writes are idempotent overwrites.</summary>
    private static readonly StatusCode[] Retryable =
        [StatusCode.Unavailable, StatusCode.ResourceExhausted, StatusCode.Aborted, StatusCode.DeadlineExceeded, StatusCode.Internal];

    private readonly FirestoreClient _client;
    private readonly DocumentPaths _paths;
    private readonly QuoteClusterOptions _options;
    private readonly ILogger<FirestoreQuoteStore> _logger;
    private readonly ResiliencePipeline _quoteWrites;
    private readonly ResiliencePipeline _heartbeatWrites;
    private volatile StoreHealth _health = StoreHealth.Ok;

    public FirestoreQuoteStore(FirestoreClient client, DocumentPaths paths, QuoteClusterOptions options, ILogger<FirestoreQuoteStore> logger, TimeProvider time)
    {
        _client = client;
        _paths = paths;
        _options = options;
        _logger = logger;
        _quoteWrites = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(RetryOptions(maxAttempts: 3))
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => e.StatusCode is not (StatusCode.InvalidArgument or StatusCode.PermissionDenied)),
                FailureRatio = 0.5,
                MinimumThroughput = 3,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = TimeSpan.FromSeconds(2),
            })
            .Build();
        _heartbeatWrites = new ResiliencePipelineBuilder { TimeProvider = time }.AddRetry(RetryOptions(maxAttempts: 2)).Build();
    }

    public bool IsDryRun => false;

    public StoreHealth Health => _health;

    public async Task WriteQuotesAsync(IReadOnlyList<Quote> quotes, CancellationToken cancellationToken)
    {
        if (quotes.Count == 0) return;
        var writes = quotes.Select(q => FirestoreDocuments.Quote(_client.DocumentName(_paths.Quote(q.Symbol)), q, _options.WriteLegacyFields)).ToList();
        try
        {
            foreach (var chunk in writes.Chunk(FirestoreClient.MaxWritesPerCommit))
            {
                await _quoteWrites.ExecuteAsync(async ct => await _client.CommitAsync(chunk, ct), cancellationToken);
            }
        }
        catch (Exception e)
        {
            _health = new StoreHealth(false, Describe(e), _health.ConsecutiveFailures + 1);
            if (e is RpcException { StatusCode: StatusCode.InvalidArgument or StatusCode.PermissionDenied } rejected)
            {
                Log.FirestoreRejected(_logger, rejected.StatusCode.ToString(), rejected.Status.Detail, quotes.Count);
            }

            throw;
        }

        _health = StoreHealth.Ok;
        foreach (var quote in quotes)
        {
            Log.FirestoreWrite(_logger, "wrote", _paths.Quote(quote.Symbol), quote.Symbol, quote.Bid, quote.Ask, quote.Price, quote.ExchangeTime, quote.Source, dry_run: false);
        }
    }

    public async Task WriteHeartbeatAsync(Heartbeat heartbeat, CancellationToken cancellationToken)
    {
        var write = FirestoreDocuments.Heartbeat(_client.DocumentName(_paths.Heartbeat), heartbeat);
        await _heartbeatWrites.ExecuteAsync(async ct => await _client.CommitAsync([write], ct), cancellationToken);
        Log.Heartbeat(_logger, _paths.Heartbeat, heartbeat.Status, heartbeat.LastSymbol, heartbeat.DryRun, heartbeat.FeedState,
            heartbeat.QuotesPerSecond, heartbeat.Symbols, heartbeat.LastError);
    }

    private static RetryStrategyOptions RetryOptions(int maxAttempts) => new()
    {
        ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => Retryable.Contains(e.StatusCode)),
        MaxRetryAttempts = maxAttempts,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = TimeSpan.FromMilliseconds(100),
        MaxDelay = TimeSpan.FromSeconds(2),
        OnRetry = _ =>
        {
            QuoteClusterMetrics.FirestoreRetries.Add(1);
            return ValueTask.CompletedTask;
        },
    };

    private static string Describe(Exception e) => e switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        BrokenCircuitException => "circuit open after repeated Firestore failures",
        _ => e.Message,
    };
}
