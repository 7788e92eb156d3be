using QuoteCluster.Storage;

namespace QuoteCluster.Tests.Storage;

public class WriteBudgetTests
{
    [Fact]
    public void A_full_bucket_grants_the_burst_and_then_nothing()
    {
        using var bucket = WriteBudget.CreateBucket(perSecond: 20, burst: 40);
        Assert.Equal(30, WriteBudget.Take(bucket, 30));
        Assert.Equal(10, WriteBudget.Take(bucket, 30));
        Assert.Equal(0, WriteBudget.Take(bucket, 30));
    }

    [Fact]
    public void Asking_for_nothing_takes_nothing()
    {
        using var bucket = WriteBudget.CreateBucket(perSecond: 20, burst: 40);
        Assert.Equal(0, WriteBudget.Take(bucket, 0));
        Assert.Equal(40, WriteBudget.Take(bucket, 100));
    }
}
