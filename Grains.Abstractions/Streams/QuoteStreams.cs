using Orleans.Configuration;
using Orleans.Streams;
using System.IO.Hashing;
using System.Text;

namespace QuoteCluster.Streams;

/// <summary>The stream provider and namespaces the cluster and its gateways share.</summary>
public static class QuoteStreams
{
    public const string Provider = "quotes";

    /// <summary>
    /// Every accepted update, in <see cref="Quotes.LiveQuoteBatch"/>es keyed by live partition: what API gateways subscribe
    /// to. A stream per symbol cost a stream event per update, and those events were most of a loaded silo's work.
    /// </summary>
    /// <remarks>Not the namespace of the streams per symbol that came before: a gateway of one kind never reads events of the other.</remarks>
    public const string LiveNamespace = "live-quotes";

    /// <summary>
    /// How many live streams the symbols are spread over. Fewer make fuller batches; more let a gateway that serves a few
    /// symbols of a whole market receive less of what it does not serve. A constant, so every silo and gateway agree.
    /// </summary>
    public const int LivePartitions = 16;

    /// <summary>Throttled storage writes, keyed by writer partition: consumed by the storage writer.</summary>
    public const string WritesNamespace = "quote-writes";

    public static StreamId Live(int partition) => StreamId.Create(LiveNamespace, LiveKeys[partition]);

    /// <summary>The live partition that carries a symbol's updates.</summary>
    public static int LivePartition(string symbol) => Partition(symbol, LivePartitions);

    public static StreamId Writes(string partition) => StreamId.Create(WritesNamespace, partition);

    /// <summary>A stable partition for a symbol: the same on every silo and across restarts (string.GetHashCode is not).</summary>
    public static string WriterPartition(string symbol, int partitions) =>
        Partition(symbol, partitions).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The live partitions' stream keys, chosen so that the stream queues carry the same number of partitions each.
    /// Every queue has one pulling agent, and hashed, the keys "0" to "15" put six partitions on one of the eight queues
    /// and none on two: that queue's agent, and the silo that holds it, carried over a third of every update.
    /// </summary>
    /// <remarks>
    /// Found with Orleans' own queue mapper as the memory streams build it: the provider's name and the default queue
    /// count, which neither silos nor clients change. Every process finds the same keys.
    /// </remarks>
    private static readonly string[] LiveKeys = BalancedLiveKeys();

    private static string[] BalancedLiveKeys()
    {
        var mapper = new HashRingBasedStreamQueueMapper(new HashRingStreamQueueMapperOptions(), Provider);
        var queues = mapper.GetAllQueues().ToList();
        return [.. Enumerable.Range(0, LivePartitions).Select(partition =>
        {
            var queue = queues[partition % queues.Count];
            return Enumerable.Range(0, int.MaxValue)
                .Select(n => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{partition}.{n}"))
                .First(key => mapper.GetQueueForStream(StreamId.Create(LiveNamespace, key)).Equals(queue));
        })];
    }

    private static int Partition(string symbol, int partitions) =>
        (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(symbol)) % (uint)partitions);
}
