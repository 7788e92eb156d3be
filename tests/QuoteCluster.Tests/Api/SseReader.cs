using System.Text.Json;

namespace QuoteCluster.Tests.Api;

/// <summary>Reads a text/event-stream response event by event, as EventSource does.</summary>
public sealed class SseReader(Stream body) : IDisposable
{
    private readonly StreamReader _reader = new(body);

    public sealed record Event(string? Id, JsonElement? Data, string? Comment, string? Retry);

    public async Task<Event> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        string? id = null, data = null, comment = null, retry = null;
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancel.Token) ?? throw new EndOfStreamException("the stream ended");
            if (line.Length == 0)
            {
                if (id is null && data is null && comment is null && retry is null) continue;
                return new Event(id, data is null ? null : JsonDocument.Parse(data).RootElement, comment, retry);
            }

            if (line.StartsWith(':')) comment = line[1..].Trim();
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            else if (line.StartsWith("retry: ", StringComparison.Ordinal)) retry = line[7..];
        }
    }

    /// <summary>The next event that carries a quote.</summary>
    public async Task<(long Id, JsonElement Quote)> NextQuoteAsync(TimeSpan timeout)
    {
        while (true)
        {
            var e = await NextAsync(timeout);
            if (e.Data is { } quote) return (long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture), quote);
        }
    }

    public void Dispose() => _reader.Dispose();
}
