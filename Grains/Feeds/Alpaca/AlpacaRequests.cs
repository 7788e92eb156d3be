using System.Buffers;
using System.Text.Json;

namespace QuoteCluster.Feeds.Alpaca;

/// <summary>The client's requests, written as JSON (every Alpaca server accepts JSON requests whatever the codec).</summary>
public static class AlpacaRequests
{
    public static ReadOnlyMemory<byte> Auth(string key, string secret) => Write(writer =>
    {
        writer.WriteString("action", "auth");
        writer.WriteString("key", key);
        writer.WriteString("secret", secret);
    });

    /// <summary>Quotes for the bid and ask, trades for `price`: the two channels a quote document needs.</summary>
    public static ReadOnlyMemory<byte> Subscribe(IReadOnlyCollection<string> symbols) => Channels("subscribe", symbols);

    public static ReadOnlyMemory<byte> Unsubscribe(IReadOnlyCollection<string> symbols) => Channels("unsubscribe", symbols);

    private static ReadOnlyMemory<byte> Channels(string action, IReadOnlyCollection<string> symbols) => Write(writer =>
    {
        writer.WriteString("action", action);
        foreach (var channel in (ReadOnlySpan<string>)["quotes", "trades"])
        {
            writer.WriteStartArray(channel);
            foreach (var symbol in symbols)
            {
                writer.WriteStringValue(symbol);
            }

            writer.WriteEndArray();
        }
    });

    private static ReadOnlyMemory<byte> Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }
}
