namespace QuoteCluster.Tests.Support;

/// <summary>Waits for a condition the system reaches asynchronously, failing with the last observation.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> observe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        do
        {
            last = await observe();
            if (done(last)) return last;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}; last seen: {last}");
    }

    public static Task Until(Func<bool> done, TimeSpan timeout, string what) =>
        Until(() => Task.FromResult(done()), d => d, timeout, what);
}
