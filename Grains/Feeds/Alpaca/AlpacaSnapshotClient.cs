using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;
using QuoteCluster.Logging;
using QuoteCluster.Quotes;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>
/// Latest quotes and trades from Alpaca's market-data REST API (v2, `GET /v2/stocks/snapshots`) for the configured
/// feed: what fills a screen before the first live tick, as every Alpaca SDK user does.
/// </summary>
/// <remarks>
/// Symbols go in chunks, one request after another, since the free plan allows about 200 requests a minute. Each
/// attempt is bounded, and transient failures (408, 429, 5xx, network errors, a slow attempt) are retried with jittered
/// exponential backoff, or after the server's `Retry-After`, by a resilience pipeline on the injected clock; a whole
/// request, retries and waits included, is bounded by <see cref="AlpacaStreamSettings.SnapshotTimeout"/>.
/// 401 and 403 are settings to fix, not failures to retry. Nothing here throws but for the caller's cancellation.
/// </remarks>
public sealed class AlpacaSnapshotClient : IDisposable
{
    private const int MaxResponseBytes = 16 * 1024 * 1024;
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The REST API's feeds; the stream's `test` feed (FAKEPACA) has no REST counterpart.</summary>
    private static readonly HashSet<string> RestFeeds = new(StringComparer.Ordinal) { "iex", "sip", "delayed_sip" };

    private readonly AlpacaStreamSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private long _requests;

    public AlpacaSnapshotClient(AlpacaStreamSettings settings, TimeProvider time, ILogger logger, HttpMessageHandler? transport = null)
    {
        _settings = settings;
        _time = time;
        _logger = logger;
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new HttpRetryStrategyOptions
            {
                // 1, 2, 4, 8 s with jitter, or what Retry-After asks: the request's deadline ends the waiting anyway.
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                ShouldRetryAfterHeader = true,
            })
            .AddTimeout(AttemptTimeout)
            .Build();

        // The pipeline and the deadline keep time on the injected clock; HttpClient's own timeout would use the wall clock.
        _http = new HttpClient(new ResilienceHandler(pipeline) { InnerHandler = transport ?? new SocketsHttpHandler() })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = MaxResponseBytes,
        };
    }

    /// <summary>Snapshot requests sent (each chunk once, however often it was retried).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>See <see cref="IMarketDataFeed.SnapshotAsync"/>.</summary>
    public async Task<IReadOnlyList<QuoteTick>> GetAsync(IReadOnlyCollection<string> symbols, CancellationToken cancellationToken)
    {
        if (symbols.Count == 0 || !RestFeeds.Contains(_settings.Feed)) return [];
        var ticks = new List<QuoteTick>();
        var requests = 0;
        foreach (var chunk in symbols.Distinct(StringComparer.Ordinal).Chunk(_settings.SnapshotChunkSize))
        {
            requests++;
            var outcome = await RequestAsync(chunk, ticks, cancellationToken);
            if (outcome == Outcome.Refused) return [];

            // Retries are spent: the next chunk would meet the same outage.
            if (outcome == Outcome.Unavailable) break;
        }

        Log.AlpacaSnapshot(_logger, symbols.Count, _settings.DataUrl.ToString(), ticks.Count, requests);
        return ticks;
    }

    public void Dispose() => _http.Dispose();

    private enum Outcome
    {
        Read,
        Skipped,
        Unavailable,
        Refused,
    }

    private async Task<Outcome> RequestAsync(string[] chunk, List<QuoteTick> into, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        using var deadline = new CancellationTokenSource(_settings.SnapshotTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, SnapshotsUri(chunk));
        request.Headers.TryAddWithoutValidation("APCA-API-KEY-ID", _settings.KeyId);
        request.Headers.TryAddWithoutValidation("APCA-API-SECRET-KEY", _settings.SecretKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
            var status = (int)response.StatusCode;
            if (status is 401 or 403)
            {
                Log.AlpacaSnapshotConfigurationError(_logger, status, Advice(status, await ExcerptAsync(response, linked.Token)));
                return Outcome.Refused;
            }

            if (!response.IsSuccessStatusCode)
            {
                var transient = status is 408 or 429 or >= 500;
                Log.AlpacaSnapshotFailed(_logger, chunk.Length, $"HTTP {status} {await ExcerptAsync(response, linked.Token)}".TrimEnd(),
                    transient ? "retries spent; the remaining symbols are skipped" : "these symbols are skipped");
                return transient ? Outcome.Unavailable : Outcome.Skipped;
            }

            var body = await response.Content.ReadAsByteArrayAsync(linked.Token);
            var requested = chunk.ToDictionary(s => s, StringComparer.Ordinal);
            if (AlpacaSnapshotParser.TryParse(body, requested, _time.GetUtcNow(), into)) return Outcome.Read;
            Log.AlpacaSnapshotFailed(_logger, chunk.Length, "the answer is no JSON object", "these symbols are skipped");
            return Outcome.Skipped;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested
            && e is HttpRequestException or TimeoutRejectedException or OperationCanceledException)
        {
            var reason = deadline.IsCancellationRequested ? $"no answer within {_settings.SnapshotTimeout.TotalSeconds:0.#} s" : e.Message;
            Log.AlpacaSnapshotFailed(_logger, chunk.Length, reason, "the remaining symbols are skipped");
            return Outcome.Unavailable;
        }
    }

    private Uri SnapshotsUri(IEnumerable<string> symbols) =>
        new($"{_settings.DataUrl.AbsoluteUri.TrimEnd('/')}/v2/stocks/snapshots?symbols={string.Join(',', symbols.Select(Uri.EscapeDataString))}&feed={_settings.Feed}");

    private string Advice(int status, string excerpt)
    {
        var check = status == 401
            ? "check APCA_API_KEY_ID and APCA_API_SECRET_KEY, and that APCA_API_DATA_URL is the market-data API they belong to"
            : $"the keys are known but may not query this data; check ALPACA_DATA_FEED ({_settings.Feed}) against the account's plan, and the keys";
        return excerpt.Length == 0 ? check : $"{check} (server: {excerpt})";
    }

    /// <summary>The start of an error answer's body, for the log line; Alpaca's are short JSON objects.</summary>
    private static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var text = Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 200))).ReplaceLineEndings(" ");
            return text.Trim();
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return "";
        }
    }
}
