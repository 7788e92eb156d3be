namespace QuoteCluster.Feeds.Alpaca;

/// <summary>What the client has seen since it was made, for tests and diagnostics.</summary>
/// <remarks>Written by the receive loop and the retry pipeline, read from any thread.</remarks>
internal sealed class AlpacaCounters
{
    private long _connectionAttempts;
    private long _authentications;
    private long _malformed;
    private long _ignored;
    private long _quotes;
    private long _trades;
    private long _binaryMessages;
    private long _textMessages;

    public long ConnectionAttempts => Interlocked.Read(ref _connectionAttempts);
    public long Authentications => Interlocked.Read(ref _authentications);
    public long MalformedMessages => Interlocked.Read(ref _malformed);
    public long IgnoredItems => Interlocked.Read(ref _ignored);
    public long QuotesReceived => Interlocked.Read(ref _quotes);
    public long TradesReceived => Interlocked.Read(ref _trades);
    public long BinaryMessages => Interlocked.Read(ref _binaryMessages);
    public long TextMessages => Interlocked.Read(ref _textMessages);

    public void CountConnectionAttempt() => Interlocked.Increment(ref _connectionAttempts);

    public void CountAuthentication() => Interlocked.Increment(ref _authentications);

    public void CountBinaryMessage() => Interlocked.Increment(ref _binaryMessages);

    public void CountTextMessage() => Interlocked.Increment(ref _textMessages);

    public void AddMalformed(int count) => Interlocked.Add(ref _malformed, count);

    public void AddIgnored(int count) => Interlocked.Add(ref _ignored, count);

    public void AddMerged(int quotes, int trades)
    {
        Interlocked.Add(ref _quotes, quotes);
        Interlocked.Add(ref _trades, trades);
    }
}
