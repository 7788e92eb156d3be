using System.IO.Hashing;
using System.Text;

namespace QuoteCluster.Streams;

/// <summary>The stream provider and namespaces the cluster and its gateways share.</summary>
public static class QuoteStreams
{
    public const string Provider = "quotes";

    /// <summary>Every accepted update of a symbol, keyed by symbol: what API gateways subscribe to.</summary>
    public const string LiveNamespace = "quote-updates";

    /// <summary>Throttled storage writes, keyed by writer partition: consumed by the storage writer.</summary>
    public const string WritesNamespace = "quote-writes";

    public static StreamId Live(string symbol) => StreamId.Create(LiveNamespace, symbol);

    public static StreamId Writes(string partition) => StreamId.Create(WritesNamespace, partition);

    /// <summary>A stable partition for a symbol: the same on every silo and across restarts (string.GetHashCode is not).</summary>
    public static string WriterPartition(string symbol, int partitions) =>
        (XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(symbol)) % (uint)partitions).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
