namespace QuoteCluster.Threading;

/// <summary>A one-permit semaphore used as a wake-up: its waiter looks at shared state, so one pending wake-up covers any number.</summary>
public static class WakeUpSignal
{
    /// <summary>Releases the permit unless it is already pending.</summary>
    /// <remarks>
    /// The count is read first because a release takes the semaphore's lock, and on a busy path most calls find a
    /// wake-up pending. Two callers can both read zero; the loser's release finds the permit taken and is dropped.
    /// </remarks>
    public static void Wake(this SemaphoreSlim signal)
    {
        if (signal.CurrentCount > 0) return;
        try
        {
            signal.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }
}
