using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using MessagePack;
using QuoteCluster.Feeds.Alpaca;

namespace QuoteCluster.AlpacaSimulator;

/// <summary>
/// What `--malformed-every` sends, in turn: broken messages, and well-formed ones whose values no client field can hold.
/// A client must count and skip each without losing its session (docs/alpaca.md).
/// </summary>
internal static class MalformedMessages
{
    private const string Time = "2024-01-02T15:00:00Z";

    private static readonly byte[][] Json =
    [
        // Not an array; truncated; an item without T; a quote without prices; an unknown type (ignored, not malformed).
        Utf8("""{"T":"q"}"""),
        Utf8("""[{"T":"q","S":"AA"""),
        Utf8("""[{"S":"AAPL","bp":1}]"""),
        Utf8($$"""[{"T":"q","S":"AAPL","t":"{{Time}}"}]"""),
        Utf8("""[{"T":"zz","S":"AAPL"}]"""),

        // Valid JSON whose string is no valid text: a lone surrogate escape. (Invalid UTF-8 cannot be sent here: the
        // JSON codec's text frames must hold valid UTF-8, and .NET's WebSocket fails the connection on any that do not.)
        Utf8($$"""[{"T":"q","S":"\uD800","bp":1,"ap":2,"t":"{{Time}}"}]"""),

        // An error whose code is past Int32.
        Utf8("""[{"T":"error","code":99999999999,"msg":"x"}]"""),
    ];

    private static readonly byte[][] MessagePack =
    [
        // A map where an array belongs; an array header promising more than follows.
        [0x81, 0xa1, (byte)'T', 0xa1, (byte)'q'],
        [0x93, 0x81, 0xa1, (byte)'T'],

        // Values msgpack's own readers throw for: an integer past Int64, a timestamp past year 9999, a code past Int32.
        Quote((ref MessagePackWriter w) => w.Write(ulong.MaxValue), (ref MessagePackWriter w) => w.Write(new DateTime(2024, 1, 2, 15, 0, 0, DateTimeKind.Utc))),
        Quote((ref MessagePackWriter w) => w.Write(3), (ref MessagePackWriter w) => Timestamp96(ref w, long.MaxValue)),
        Item((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(3);
            w.Write("T");
            w.Write("error");
            w.Write("code");
            w.Write(uint.MaxValue);
            w.Write("msg");
            w.Write("x");
        }),
    ];

    public static int Count(AlpacaCodec codec) => codec == AlpacaCodec.Json ? Json.Length : MessagePack.Length;

    /// <summary>The <paramref name="index"/>-th malformed message, counting from 0, in turn.</summary>
    public static byte[] Get(AlpacaCodec codec, long index)
    {
        var messages = codec == AlpacaCodec.Json ? Json : MessagePack;
        return messages[index % messages.Length];
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private delegate void Write(ref MessagePackWriter writer);

    private static byte[] Item(Write write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(1);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Quote(Write bidSize, Write timestamp) => Item((ref MessagePackWriter w) =>
    {
        w.WriteMapHeader(6);
        w.Write("T");
        w.Write("q");
        w.Write("S");
        w.Write("AAPL");
        w.Write("bp");
        w.Write(1.0);
        w.Write("ap");
        w.Write(1.1);
        w.Write("bs");
        bidSize(ref w);
        w.Write("t");
        timestamp(ref w);
    });

    /// <summary>The timestamp extension's 96-bit form: 32-bit nanoseconds, then 64-bit signed seconds since 1970.</summary>
    private static void Timestamp96(ref MessagePackWriter writer, long seconds)
    {
        writer.WriteExtensionFormatHeader(new ExtensionHeader(-1, 12));
        var body = new byte[12];
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(4), seconds);
        writer.WriteRaw(body);
    }
}
