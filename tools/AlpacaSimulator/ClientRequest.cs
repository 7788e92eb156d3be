using System.Text.Json;
using MessagePack;

namespace QuoteCluster.AlpacaSimulator;

/// <summary>A client's request: `auth`, `subscribe` or `unsubscribe`, in JSON (text or binary frames) or msgpack.</summary>
public sealed record ClientRequest(string Action, string? Key, string? Secret, IReadOnlyDictionary<string, IReadOnlyList<string>> Channels)
{
    /// <summary>Reads a request; null when it is not one (the server answers 400 invalid syntax).</summary>
    public static ClientRequest? TryParse(ReadOnlyMemory<byte> message)
    {
        if (message.IsEmpty) return null;
        try
        {
            // A msgpack map never starts with '{' (0x7b is a positive fixint), so the first byte tells the codecs apart.
            return message.Span[0] == (byte)'{' ? FromJson(message) : FromMessagePack(message);
        }
        catch (Exception e) when (e is JsonException or MessagePackSerializationException or EndOfStreamException or InvalidOperationException)
        {
            return null;
        }
    }

    private static ClientRequest? FromJson(ReadOnlyMemory<byte> message)
    {
        using var document = JsonDocument.Parse(message);
        if (document.RootElement.ValueKind != JsonValueKind.Object) return null;
        string? action = null, key = null, secret = null;
        var channels = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            switch (property.Name)
            {
                case "action": action = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null; break;
                case "key": key = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null; break;
                case "secret": secret = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null; break;
                default:
                    if (property.Value.ValueKind != JsonValueKind.Array || property.Value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String)) return null;
                    channels[property.Name] = [.. property.Value.EnumerateArray().Select(v => v.GetString()!)];
                    break;
            }
        }

        return action is null ? null : new ClientRequest(action, key, secret, channels);
    }

    private static ClientRequest? FromMessagePack(ReadOnlyMemory<byte> message)
    {
        var reader = new MessagePackReader(message);
        if (reader.NextMessagePackType != MessagePackType.Map) return null;
        var count = reader.ReadMapHeader();
        string? action = null, key = null, secret = null;
        var channels = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            switch (name)
            {
                case "action": action = reader.ReadString(); break;
                case "key": key = reader.ReadString(); break;
                case "secret": secret = reader.ReadString(); break;
                default:
                    var symbols = new List<string>();
                    var length = reader.ReadArrayHeader();
                    for (var s = 0; s < length; s++) symbols.Add(reader.ReadString() ?? "");
                    channels[name ?? ""] = symbols;
                    break;
            }
        }

        return action is null ? null : new ClientRequest(action, key, secret, channels);
    }
}
