using Microsoft.Extensions.Time.Testing;
using QuoteCluster.Api;
using QuoteCluster.Ingest;

namespace QuoteCluster.Tests.Security;

public sealed class ReadinessCacheTests
{
    [Fact]
    public async Task Many_probes_within_the_max_age_share_one_cluster_read_and_an_older_answer_is_read_again()
    {
        var time = new FakeTimeProvider();
        var reads = 0;
        var gate = new TaskCompletionSource();
        var cache = new ReadinessCache(async () =>
        {
            Interlocked.Increment(ref reads);
            await gate.Task;
            throw new TimeoutException("no silo");
        }, time);

        var waiting = Enumerable.Range(0, 100).Select(_ => cache.ReadAsync()).ToList();
        gate.SetResult();
        var outcomes = await Task.WhenAll(waiting);
        Assert.Equal(1, reads);
        Assert.All(outcomes, o => Assert.Equal("cluster unreachable: no silo", o.Error));

        time.Advance(ReadinessCache.MaxAge - TimeSpan.FromMilliseconds(1));
        await cache.ReadAsync();
        Assert.Equal(1, reads);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await cache.ReadAsync();
        Assert.Equal(2, reads);
    }
}
