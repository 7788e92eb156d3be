using System.Reflection;
using Orleans.Providers.Streams.Common;

namespace QuoteCluster.Streams;

/// <summary>
/// Gives a pooled stream cache blocks of <see cref="EntriesPerBlock"/> cached events in place of Orleans' 16,384.
/// </summary>
/// <remarks>
/// Orleans' pooled cache records a queue's events in blocks of 16,384 entries of 64 bytes, 1 MB each, on the large
/// object heap, and keeps the blocks it has filled in a pool for as long as the cache lives (as long as its queue's
/// pulling agent runs). A queue that carries events ends with two of them resident (the one being filled and the one
/// taken when it is full), and their pages are touched as events fill them: an idle embedded default, whose streams
/// carry about 58 events a second over 6 of its 8 queues, grew this way for over half an hour, towards 2 MB for each
/// queue in use. Orleans has no setting for the size. Its block type takes one, and each cache makes its own pool of
/// blocks, so a pool of smaller blocks put in its place before the first event changes nothing else about the cache.
/// That pool is a private field of internal types. It is found by the types involved, and only taken for Orleans' plain
/// unbounded pool of blocks, before the cache holds a block; anything else leaves the cache as Orleans made it.
/// </remarks>
public static class CachedMessageBlockSize
{
    /// <summary>64 KB of entries: below the large object threshold, and 16 blocks a second at 16,000 events a second.</summary>
    public const int EntriesPerBlock = 1_024;

    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;

    /// <summary>
    /// Puts a pool of small blocks in a cache that has not cached an event yet. False, with the cache unchanged, if the
    /// cache's block pool is not where and what this Orleans version was seen to keep, or the cache already has a block.
    /// </summary>
    public static bool TryUseSmallBlocks(object cache)
    {
        try
        {
            // Orleans' memory cache holds a PooledQueueCache, which holds a CachedMessagePool, which holds the pool it
            // takes blocks from and the block being filled (none until the first event).
            var pooledCache = OnlyField(cache.GetType(), t => t == typeof(PooledQueueCache))?.GetValue(cache);
            var messagePool = pooledCache is null ? null
                : OnlyField(pooledCache.GetType(), t => t.Name == "CachedMessagePool" && t.Assembly == typeof(PooledQueueCache).Assembly)?.GetValue(pooledCache);
            if (messagePool is null) return false;

            var blockPool = OnlyField(messagePool.GetType(), t => t == typeof(IObjectPool<CachedMessageBlock>));
            var currentBlock = OnlyField(messagePool.GetType(), t => t == typeof(CachedMessageBlock));
            if (blockPool?.GetValue(messagePool)?.GetType() != typeof(ObjectPool<CachedMessageBlock>)
                || currentBlock is null || currentBlock.GetValue(messagePool) is not null)
            {
                return false;
            }

            blockPool.SetValue(messagePool, new ObjectPool<CachedMessageBlock>(() => new CachedMessageBlock(EntriesPerBlock)));
            return true;
        }
        catch (Exception e) when (e is FieldAccessException or TargetException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            return false;
        }
    }

    private static FieldInfo? OnlyField(Type owner, Func<Type, bool> fieldType)
    {
        var fields = owner.GetFields(InstanceFields).Where(f => fieldType(f.FieldType)).Take(2).ToArray();
        return fields.Length == 1 ? fields[0] : null;
    }
}
