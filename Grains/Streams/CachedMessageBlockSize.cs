using System.Reflection;
using Orleans.Providers.Streams.Common;

namespace QuoteCluster.Streams;

/// <summary>
/// Gives a pooled stream cache blocks of <see cref="EntriesPerBlock"/> cached events in place of Orleans' 16,384.
/// </summary>
/// <remarks>
/// Orleans' pooled cache records a queue's events in blocks of 16,384 entries of 64 bytes, 1 MB each, on the large
/// object heap, and keeps the blocks it has used in a pool of its own for the life of the process. A queue that carries
/// events ends with two of them resident (the one being filled and the one taken when it is full), and their pages are
/// touched as events fill them: an idle embedded default, whose streams carry about 58 events a second, grew by
/// 0.2 MB a minute for over half an hour this way, towards 2 MB for each of its eight queues. Orleans has no setting for
/// the size. Its block type takes one, and the cache makes its own pool of blocks with itself, so a pool of smaller
/// blocks put in its place before the first event changes nothing else about the cache.
/// That pool is a private field of internal types: it is found by its type, not its name, and a test fails if it is not
/// found in the Orleans version the build uses.
/// </remarks>
public static class CachedMessageBlockSize
{
    /// <summary>64 KB of entries: below the large object threshold, and 16 blocks a second at 16,000 events a second.</summary>
    public const int EntriesPerBlock = 1_024;

    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;

    /// <summary>
    /// Puts a pool of small blocks in a cache that has not cached an event yet. False, with the cache unchanged, if the
    /// cache's block pool is not where this Orleans version was seen to keep it.
    /// </summary>
    public static bool TryUseSmallBlocks(object cache)
    {
        // The cache (Orleans' memory cache) holds a PooledQueueCache, which holds a CachedMessagePool, which holds the
        // pool of blocks it allocates from and a current block that stays empty until the first event.
        var pooledCache = cache as PooledQueueCache ?? FieldValue(cache, t => t == typeof(PooledQueueCache));
        var messagePool = pooledCache is null ? null : FieldValue(pooledCache, t => t.Name == "CachedMessagePool");
        var blockPoolField = messagePool?.GetType().GetFields(InstanceFields)
            .SingleOrDefault(f => f.FieldType == typeof(IObjectPool<CachedMessageBlock>));
        var currentBlockField = messagePool?.GetType().GetFields(InstanceFields)
            .SingleOrDefault(f => f.FieldType == typeof(CachedMessageBlock));
        if (messagePool is null || blockPoolField is null || currentBlockField is null
            || currentBlockField.GetValue(messagePool) is not null)
        {
            return false;
        }

        blockPoolField.SetValue(messagePool, new ObjectPool<CachedMessageBlock>(() => new CachedMessageBlock(EntriesPerBlock)));
        return true;
    }

    private static object? FieldValue(object owner, Func<Type, bool> fieldType) =>
        owner.GetType().GetFields(InstanceFields).SingleOrDefault(f => fieldType(f.FieldType))?.GetValue(owner);
}
