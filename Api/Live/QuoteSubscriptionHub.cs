using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using QuoteCluster.Configuration;
using QuoteCluster.Ingest;
using QuoteCluster.Logging;
using QuoteCluster.Observability;
using QuoteCluster.Quotes;
using QuoteCluster.Streams;
using QuoteCluster.Symbols;

namespace QuoteCluster.Api.Live;

/// <summary>
/// A gateway's single subscription per live partition, its batches handed out per symbol to the gateway's own
/// listeners, and healed per symbol: every resync interval each symbol is compared with its SymbolGrain; a partition's
/// subscription that failed, or a symbol's that delivered nothing while the grain published newer versions, is
/// re-made, and the listeners are re-synced from the grain's latest quote. Listeners of every symbol (SSE clients that
/// named none) register once, and follow the ingested list as it grows.
/// </summary>
/// <remarks>
/// Memory streams can lose events and go silent without an error when a silo dies (docs/orleans-behaviours.md), so the
/// comparison with the grain, not the stream, is what guarantees every listener converges on the latest value. Silence
/// is judged from what this hub received, not from the quote's age: a busy symbol's latest quote is always young, even
/// while its subscription has been dead for minutes.
/// A pass reads only the grains of quiet symbols, and at most LIVE_RESYNC_MAX_READS of them: a symbol whose stream
/// delivered since its last check is not silent by that definition, and a grain read per symbol per pass would be
/// 22,000 calls a second for a whole market of 11,000 symbols.
/// </remarks>
public sealed partial class QuoteSubscriptionHub(
    IClusterClient client,
    QuoteClusterOptions options,
    [FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time,
    ILogger<QuoteSubscriptionHub> logger) : BackgroundService
{
    /// <summary>How long an update the grain has published may be in flight before its absence means silence.</summary>
    public static TimeSpan SilenceGrace { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a healing pass waits for one grain. A call to a grain whose silo just died can hang until Orleans'
    /// response timeout (30 s); waiting for it would hold up the pass, and so the healing of every other symbol.
    /// </summary>
    public static TimeSpan CallTimeout { get; } = TimeSpan.FromSeconds(1);

    /// <summary>How long making a stream subscription may take before it counts as failed and is retried next pass.</summary>
    public static TimeSpan SubscribeTimeout { get; } = TimeSpan.FromSeconds(3);

    /// <summary>How often a symbol whose subscription was found silent is read from its grain until the stream is back.</summary>
    public static TimeSpan BridgePeriod { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Bridge ticks in a second: the window in which the stream must deliver steadily.</summary>
    private const int BridgeSteadyTicks = 20;

    /// <summary>
    /// How far a bridging symbol's stream may run behind its grain and still feed the listeners itself: a stream this
    /// close keeps its full rate, delayed; one further behind (a re-made subscription can bring old events first) is
    /// displaced by the grain's reads. Versions grow with the quote's receipt time, so their difference measures it.
    /// </summary>
    private static readonly TimeSpan BridgeStreamBehindAtMost = TimeSpan.FromSeconds(1);

    /// <summary>The least time a bridge runs: the stream's queues take several seconds to settle after a silo dies.</summary>
    private static readonly TimeSpan BridgeAtLeast = TimeSpan.FromSeconds(5);

    /// <summary>The most time a bridge runs; a stream still silent after it is found again by the next pass.</summary>
    private static readonly TimeSpan BridgeAtMost = TimeSpan.FromSeconds(30);

    /// <summary>How long a bridged symbol's grain may hold still before it counts as quiet and the bridge ends.</summary>
    private static readonly TimeSpan BridgeWhileQuietFor = TimeSpan.FromSeconds(2);

    /// <summary>How many symbols are served at once when many arrive together (an all-symbols client's first join).</summary>
    private const int ServeInParallel = 32;

    private readonly ConcurrentDictionary<string, SymbolSubscription> _symbols = new(StringComparer.Ordinal);
    private LivePartition[]? _partitions;
    private readonly IClusterClient _client = client;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;
    private readonly IngestedSymbolsWatch _watch = new(client);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _everySymbolGate = new();
    private EverySymbolListener[] _everySymbol = [];
    private long _everySymbolJoins;
    private long _streamSubscribes;
    private long _grainReads;

    public int SymbolCount => _symbols.Count;

    /// <summary>Stream subscriptions made, first ones and heals alike.</summary>
    internal long StreamSubscribes => Interlocked.Read(ref _streamSubscribes);

    /// <summary>Reads of a SymbolGrain's latest quote: by healing passes, bridges and first snapshots.</summary>
    internal long GrainReads => Interlocked.Read(ref _grainReads);

    /// <summary>Adds a listener for <paramref name="symbol"/>; it first receives the latest quote, if there is one.</summary>
    /// <remarks>When the wait is cancelled or fails, the listener is not left registered.</remarks>
    public async Task<IAsyncDisposable> SubscribeAsync(string symbol, IQuoteListener listener, CancellationToken cancellationToken = default)
    {
        symbol = Symbol.Normalize(symbol);
        while (true)
        {
            var subscription = _symbols.GetOrAdd(symbol, s => new SymbolSubscription(s, this));
            if (await subscription.AddAsync(listener, cancellationToken))
            {
                return new Registration(subscription, listener);
            }

            // Retired by a resync pass between the lookup and the add: it is already out of the map, so look again.
            _symbols.TryRemove(KeyValuePair.Create(symbol, subscription));
        }
    }

    /// <summary>
    /// Adds a listener of every ingested symbol, those the cluster starts ingesting later included: it receives the
    /// latest quote of each, then its updates; a symbol that starts being ingested reaches it within a second.
    /// </summary>
    /// <remarks>
    /// One registration for the whole market, not one per symbol: a thousand such clients of eleven thousand symbols
    /// would otherwise make eleven million. The hub takes each symbol on once, when it is first listed. This returns
    /// at once and the symbols are served in the background: the first such client of a whole market would otherwise
    /// see nothing until eleven thousand grains were read for their latest quotes, and with a conflating listener
    /// nothing is lost by starting to send what has arrived.
    /// </remarks>
    public IAsyncDisposable SubscribeEverySymbol(IQuoteListener listener)
    {
        var joined = new EverySymbolListener(Interlocked.Increment(ref _everySymbolJoins), listener);
        lock (_everySymbolGate) Volatile.Write(ref _everySymbol, [.. _everySymbol, joined]);
        _ = ServeJoinedAsync();
        return new EverySymbolRegistration(this, joined);

        // Joined first, then served: a symbol the watch adds from now on is served to this listener by the refresh
        // that adds it, and every symbol the copy held before is served here.
        async Task ServeJoinedAsync()
        {
            try
            {
                if (!_watch.Known) await RefreshIngestedSymbolsAsync(_stopping.Token);
                await ServeEverySymbolListenersAsync(_watch.Symbols, _stopping.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The ingest grain is moving: the watch loop serves the whole list once it answers again.
                Log.LiveSubscriptionFailed(_logger, e, "(every symbol)");
            }
            catch (OperationCanceledException)
            {
                // The gateway is stopping.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.WhenAll(HealAsync(stoppingToken), WatchIngestedSymbolsAsync(stoppingToken));
    }

    private async Task HealAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.LiveResyncInterval, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await ResyncAllAsync(stoppingToken);
        }
    }

    /// <summary>Keeps the copy of the ingested list current between healing passes.</summary>
    private async Task WatchIngestedSymbolsAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(IngestedSymbolsWatch.Period, _time, stoppingToken);
                await RefreshIngestedSymbolsAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The ingest grain is moving (the healing pass logs that): the next refresh asks again.
            }
        }
    }

    /// <summary>
    /// Refreshes the copy of the ingested list and serves what it added to every-symbol listeners. Every refresh goes
    /// through here: one that dropped its additions would leave them unserved, as the next refresh knows them already.
    /// </summary>
    private async Task RefreshIngestedSymbolsAsync(CancellationToken cancellationToken)
    {
        var added = await _watch.RefreshAsync(CallTimeout, cancellationToken);
        if (added.Count > 0 && Volatile.Read(ref _everySymbol).Length > 0)
        {
            await ServeEverySymbolListenersAsync(added, cancellationToken);
        }
    }

    /// <summary>
    /// Subscribes <paramref name="symbols"/> where they are not yet, and gives every-symbol listeners that have not had
    /// a symbol's latest quote yet that quote.
    /// </summary>
    private Task ServeEverySymbolListenersAsync(IReadOnlyList<string> symbols, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(symbols, new ParallelOptions { MaxDegreeOfParallelism = ServeInParallel, CancellationToken = cancellationToken },
            async (symbol, cancel) =>
            {
                while (true)
                {
                    var subscription = _symbols.GetOrAdd(symbol, s => new SymbolSubscription(s, this));
                    if (await subscription.ServeEverySymbolListenersAsync(cancel)) return;
                    _symbols.TryRemove(KeyValuePair.Create(symbol, subscription));
                }
            });

    /// <summary>
    /// One healing pass over every symbol; the background loop runs it every LIVE_RESYNC_INTERVAL_S. A symbol that no
    /// listener wants and the cluster no longer ingests is forgotten, so its grain may deactivate. A symbol whose stream
    /// delivered since its last check costs nothing; of the others, at most LIVE_RESYNC_MAX_READS are read: failed
    /// subscriptions first, then those being bridged, then (once) those whose first read failed, then those read longest ago.
    /// </summary>
    /// <remarks>
    /// Longest-unread-first is round robin among quiet symbols, so each is read at least once every
    /// (quiet symbols ÷ budget) passes. A busy symbol is never read while it delivers, so when its subscription dies it
    /// is the longest unread of all and is read at the next pass.
    /// </remarks>
    public async Task ResyncAllAsync(CancellationToken cancellationToken = default)
    {
        var known = false;
        try
        {
            await RefreshIngestedSymbolsAsync(cancellationToken);
            known = true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // During an ingest failover the list is unknown: forget nothing this time.
            Log.LiveSubscriptionFailed(_logger, e, "(ingested symbols)");
        }

        if (known)
        {
            foreach (var (symbol, subscription) in _symbols)
            {
                // The copy is read per symbol, not once before the loop: a symbol the watch loop adds meanwhile is in
                // the copy before its subscription exists, so it is never taken for one that left the list.
                if (!_watch.Contains(symbol) && subscription.TryRetire())
                {
                    _symbols.TryRemove(KeyValuePair.Create(symbol, subscription));
                }
            }
        }

        var quiet = _symbols.Values.Where(s => !s.DeliveredSinceLastCheck()).ToList();
        var reads = quiet.Count <= options.LiveResyncMaxReads
            ? quiet
            : [.. quiet.OrderBy(s => s.ReadPriority).Take(options.LiveResyncMaxReads)];
        await Task.WhenAll(reads.Select(s => s.ResyncAsync(force: false, cancellationToken)));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
        if (Volatile.Read(ref _partitions) is { } partitions) await Task.WhenAll(partitions.Select(p => p.UnsubscribeAsync()));
    }

    private LivePartition PartitionOf(string symbol) =>
        LazyInitializer.EnsureInitialized(ref _partitions, () => [.. Enumerable.Range(0, QuoteStreams.LivePartitions).Select(p => new LivePartition(p, this))])
            [QuoteStreams.LivePartition(symbol)];

    private sealed class Registration(SymbolSubscription subscription, IQuoteListener listener) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) subscription.Remove(listener);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A listener of every symbol; <see cref="Joined"/> orders the joins, so a symbol knows who has had its snapshot.</summary>
    private sealed record EverySymbolListener(long Joined, IQuoteListener Listener);

    private sealed class EverySymbolRegistration(QuoteSubscriptionHub hub, EverySymbolListener joined) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lock (hub._everySymbolGate) Volatile.Write(ref hub._everySymbol, [.. hub._everySymbol.Where(l => !ReferenceEquals(l, joined))]);
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class SymbolSubscription(string symbol, QuoteSubscriptionHub hub)
    {
        // Kept, as the ingest pump keeps its own: Orleans' GetGrain reads the interface's attributes on every call, and a
        // bridge reads the grain twenty times a second.
        private readonly ISymbolGrain _grain = hub._client.GetGrain<ISymbolGrain>(symbol);
        private readonly LivePartition _partition = hub.PartitionOf(symbol);
        private readonly Lock _gate = new();
        private IQuoteListener[] _listeners = [];
        private bool _retired;
        private long _partitionAttemptsAtLastCheck;
        private QuoteUpdate? _latest;
        private long _streamDeliveries;
        private long _lastStreamVersion;
        private long _streamDeliveriesAtLastCheck;
        private long _grainVersionAtLastCheck;
        private long _everySymbolJoinedUpTo;
        private long _lastReadAt;
        private int _bridging;
        private volatile bool _baselineMissing;
        private volatile bool _firstReadOwed;
        private volatile bool _bridgeOnSuspicion;
        private volatile bool _suspicionCleared;

        public QuoteUpdate? Latest => Volatile.Read(ref _latest);

        /// <returns>False when this subscription was retired and the listener must go to a fresh one.</returns>
        public async Task<bool> AddAsync(IQuoteListener listener, CancellationToken cancellationToken)
        {
            // The snapshot goes out under the lock Deliver takes, so an update that arrives meanwhile follows it and
            // is newer: delivered after joining, an older snapshot could overtake an update the listener already had.
            QuoteUpdate? snapshot;
            lock (_gate)
            {
                if (_retired) return false;
                _listeners = [.. _listeners, listener];
                snapshot = _latest;
                if (snapshot is not null) listener.OnQuote(snapshot);
            }

            try
            {
                await EnsureSubscribedAsync(cancellationToken);
                if (snapshot is null)
                {
                    await ResyncAsync(force: true, cancellationToken);
                }
            }
            catch
            {
                Remove(listener);
                throw;
            }

            return true;
        }

        /// <summary>
        /// Makes sure the symbol is subscribed, and that every-symbol listeners that joined since it last delivered
        /// have its latest quote.
        /// </summary>
        /// <returns>False when this subscription was retired and a fresh one must serve the symbol.</returns>
        public async Task<bool> ServeEverySymbolListenersAsync(CancellationToken cancellationToken)
        {
            if (_retired) return false;
            await EnsureSubscribedAsync(cancellationToken);
            if (Latest is null)
            {
                // Delivering the grain's quote gives it to every listener.
                await ResyncAsync(force: true, cancellationToken);
            }

            lock (_gate)
            {
                if (!_retired)
                {
                    CatchUpEverySymbolListeners(Volatile.Read(ref hub._everySymbol));
                    return true;
                }
            }

            // Retired while it subscribed: a fresh one serves the symbol, on the same partition subscription.
            return false;
        }

        public void Remove(IQuoteListener listener)
        {
            // The symbol stays while it is ingested; an idle one costs its place in the hub, and its partition's updates.
            lock (_gate)
            {
                _listeners = [.. _listeners.Where(l => !ReferenceEquals(l, listener))];
            }
        }

        /// <summary>Retires this subscription if no listener uses it; after that, no listener can join it.</summary>
        public bool TryRetire()
        {
            lock (_gate)
            {
                _retired = _listeners.Length == 0;
                return _retired;
            }
        }

        /// <summary>
        /// Orders the symbols a pass reads: a failed subscription first, then one being bridged (found silent, so a
        /// re-made subscription still silent is re-made again at once), then one whose first listener's read failed
        /// (its listeners have nothing to show yet), then the one read longest ago.
        /// </summary>
        /// <remarks>
        /// A failed first read earns one early read, not one at every pass: grains that cannot be read for long would
        /// otherwise take the whole budget pass after pass, and no other quiet symbol would be checked.
        /// </remarks>
        public long ReadPriority =>
            _partition.Broken ? long.MinValue
            : Volatile.Read(ref _bridging) == 1 ? long.MinValue + 1
            : _firstReadOwed ? long.MinValue + 2
            : Interlocked.Read(ref _lastReadAt);

        /// <summary>
        /// Whether the stream delivered since the last check. If it did, the symbol is not silent, and that counts as
        /// this pass's check: no grain read is needed.
        /// </summary>
        public bool DeliveredSinceLastCheck()
        {
            var deliveries = Interlocked.Read(ref _streamDeliveries);
            if (_partition.Broken || deliveries == _streamDeliveriesAtLastCheck) return false;

            // The next check compares the grain with what the stream brought: a grain ahead of it then, with nothing
            // delivered meanwhile, means the subscription went silent.
            _streamDeliveriesAtLastCheck = deliveries;
            _grainVersionAtLastCheck = Math.Max(_grainVersionAtLastCheck, Interlocked.Read(ref _lastStreamVersion));
            Interlocked.Exchange(ref _partitionAttemptsAtLastCheck, _partition.Attempts);
            _baselineMissing = false;
            return true;
        }

        /// <param name="force">Re-sync even before the first check's baseline exists (a first listener's snapshot).</param>
        public async Task ResyncAsync(bool force, CancellationToken cancellationToken)
        {
            var deliveries = Interlocked.Read(ref _streamDeliveries);

            // The subscription this symbol's baseline was taken on: if its partition was re-made since (another symbol
            // found it silent), a silence seen now may be from before that, and the re-made one is not re-made again.
            var partitionAttempts = Interlocked.Read(ref _partitionAttemptsAtLastCheck);
            QuoteUpdate? snapshot;
            try
            {
                Interlocked.Exchange(ref _lastReadAt, hub._time.GetTimestamp());
                _firstReadOwed = false;
                snapshot = await ReadGrainAsync().WaitAsync(CallTimeout, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A first listener's read that failed leaves no baseline: the next check's read then sets it instead of
                // comparing with none, which would take a quiet symbol that has a quote for a silent one.
                if (force)
                {
                    _baselineMissing = true;
                    _firstReadOwed = true;
                }

                Log.LiveSubscriptionFailed(hub._logger, e, symbol);
                return;
            }

            if (_partition.Broken || (!force && !_baselineMissing && await IsSilentAsync(snapshot, deliveries, cancellationToken)))
            {
                if (await _partition.ResubscribeAsync(partitionAttempts, cancellationToken))
                {
                    Log.LiveResubscribed(hub._logger, symbol, snapshot?.Version ?? 0);
                }

                StartBridging(onSuspicion: false);
            }

            if (!force)
            {
                _streamDeliveriesAtLastCheck = Interlocked.Read(ref _streamDeliveries);
                if (snapshot is not null) _grainVersionAtLastCheck = snapshot.Version;
                Interlocked.Exchange(ref _partitionAttemptsAtLastCheck, _partition.Attempts);
            }
            else if (snapshot is not null)
            {
                // A first listener's snapshot: the first check then compares the grain with it, or a quiet symbol that
                // has a quote would be taken for a silent one and re-make its partition.
                _grainVersionAtLastCheck = Math.Max(_grainVersionAtLastCheck, snapshot.Version);
            }

            // Any read that answered is a baseline, an empty grain's too.
            _baselineMissing = false;

            if (snapshot is not null)
            {
                Deliver(snapshot, fromStream: false);
            }
        }

        /// <summary>
        /// After a silo dies, a re-made subscription can stay silent, or deliver in fits, for several seconds more,
        /// until the stream's queues have settled on the survivors. Meanwhile the grain is read every
        /// <see cref="BridgePeriod"/>, and what it holds goes to the listeners when the stream brought nothing since the
        /// last read: for at least five seconds, then until the stream delivers steadily and no further behind the
        /// grain than <see cref="BridgeStreamBehindAtMost"/>, the grain stops moving (a quiet symbol), or thirty seconds
        /// have passed.
        /// </summary>
        /// <param name="onSuspicion">
        /// Started while the hub waits out the grace, not for a re-made subscription: it ends as soon as the stream
        /// delivers within the grace, unless the subscription is found silent meanwhile.
        /// </param>
        private void StartBridging(bool onSuspicion)
        {
            if (!onSuspicion) _bridgeOnSuspicion = false;
            if (Interlocked.Exchange(ref _bridging, 1) == 1) return;
            _bridgeOnSuspicion = onSuspicion;
            _ = Task.Run(async () =>
            {
                try
                {
                    var started = hub._time.GetTimestamp();
                    var lastMoved = started;
                    long grainVersion = 0;
                    var window = new Queue<long>();
                    while (!_retired && hub._time.GetElapsedTime(lastMoved) < BridgeWhileQuietFor && hub._time.GetElapsedTime(started) < BridgeAtMost
                        && !(_bridgeOnSuspicion && _suspicionCleared))
                    {
                        // The stream counts as back once, over the last second, it delivered and was not further
                        // behind the grain than it may be and still feed the listeners: while queues move it can
                        // deliver a few events and fall silent again. Level with the grain is too much to ask of a busy
                        // symbol's stream, which is always a few milliseconds behind it: the bridge then ran its full
                        // thirty seconds, reading the grain twenty times a second.
                        var deliveriesBefore = Interlocked.Read(ref _streamDeliveries);
                        window.Enqueue(deliveriesBefore);
                        if (window.Count > BridgeSteadyTicks) window.Dequeue();
                        if (hub._time.GetElapsedTime(started) >= BridgeAtLeast && window.Count == BridgeSteadyTicks
                            && window.Last() > window.Peek() && grainVersion - Interlocked.Read(ref _lastStreamVersion) <= BridgeStreamBehindAtMost.Ticks)
                        {
                            break;
                        }

                        await Task.Delay(BridgePeriod, hub._time);
                        try
                        {
                            if (await ReadGrainAsync().WaitAsync(CallTimeout) is { } latest && latest.Version > grainVersion)
                            {
                                grainVersion = latest.Version;
                                lastMoved = hub._time.GetTimestamp();

                                // Only into the stream's silences: a read is newer than what a stream behind the grain
                                // brings next, and the listeners drop every update older than what they hold. Fed at
                                // every tick, they got the reads and nothing else once the stream ran a tick (50 ms)
                                // behind the grain: 20 updates a second of a symbol's 85.
                                if (Interlocked.Read(ref _streamDeliveries) == deliveriesBefore
                                    || latest.Version - Interlocked.Read(ref _lastStreamVersion) > BridgeStreamBehindAtMost.Ticks)
                                {
                                    Deliver(latest, fromStream: false);
                                }
                            }
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            // The grain is moving too; the next tick asks again.
                        }
                    }
                }
                finally
                {
                    Volatile.Write(ref _bridging, 0);
                }
            });
        }

        private Task<QuoteUpdate?> ReadGrainAsync()
        {
            Interlocked.Increment(ref hub._grainReads);
            return _grain.GetLatestAsync();
        }

        /// <summary>
        /// Silent: since the last check the stream delivered nothing, yet the grain published a newer version, and the
        /// stream still delivers nothing for <see cref="SilenceGrace"/> after this read: the version may be in flight.
        /// </summary>
        private async Task<bool> IsSilentAsync(QuoteUpdate? snapshot, long deliveriesBefore, CancellationToken cancellationToken)
        {
            if (snapshot is null || deliveriesBefore != _streamDeliveriesAtLastCheck || snapshot.Version <= _grainVersionAtLastCheck) return false;

            // The listeners are fed from the grain while the hub looks closer: a user must not wait for the verdict.
            _suspicionCleared = false;
            StartBridging(onSuspicion: true);

            // The grace runs from this read, not from the quote's receipt: a quote can wait in ingest longer than the
            // grace and still be on its way through the stream now (the whole-market benchmark re-made hundreds of
            // subscriptions a second that way).
            await Task.Delay(SilenceGrace, hub._time, cancellationToken);
            if (Interlocked.Read(ref _streamDeliveries) != deliveriesBefore)
            {
                _suspicionCleared = true;
                return false;
            }

            return true;
        }

        private async Task EnsureSubscribedAsync(CancellationToken cancellationToken)
        {
            await _partition.EnsureSubscribedAsync(cancellationToken);
            var attempts = _partition.Attempts;
            if (Interlocked.Exchange(ref _partitionAttemptsAtLastCheck, attempts) == attempts) return;

            // Checks start from the subscription: what the grain published before it is no sign of silence.
            _streamDeliveriesAtLastCheck = Interlocked.Read(ref _streamDeliveries);
            _grainVersionAtLastCheck = Math.Max(_grainVersionAtLastCheck, Latest?.Version ?? 0);
        }

        public void DeliverFromStream(QuoteUpdate update) => Deliver(update, fromStream: true);

        private void Deliver(QuoteUpdate update, bool fromStream)
        {
            // Listeners are called under the lock so that each sees versions in order; they must not block.
            lock (_gate)
            {
                if (fromStream)
                {
                    _streamDeliveries++;
                    if (update.Version > _lastStreamVersion) _lastStreamVersion = update.Version;
                }

                // One read of the every-symbol listeners for the catch-up and the update, so none gets this update
                // without the snapshot before it, nor the snapshot again after it.
                var everySymbol = Volatile.Read(ref hub._everySymbol);
                CatchUpEverySymbolListeners(everySymbol);
                if (_latest is not null && update.Version <= _latest.Version) return;
                _latest = update;
                QuoteClusterMetrics.LiveUpdatesReceived.Add(1);
                QuoteClusterMetrics.QuoteLatency.Record(QuoteLatency.Since(update.Quote, hub._time.GetUtcNow()).TotalSeconds);
                foreach (var listener in _listeners)
                {
                    listener.OnQuote(update);
                }

                foreach (var joined in everySymbol)
                {
                    joined.Listener.OnQuote(update);
                }
            }
        }

        /// <summary>
        /// Gives the latest quote to the every-symbol listeners that joined after this symbol last caught up: the
        /// newest joins are at the end. Called under <see cref="_gate"/>.
        /// </summary>
        private void CatchUpEverySymbolListeners(EverySymbolListener[] everySymbol)
        {
            if (everySymbol.Length == 0 || everySymbol[^1].Joined <= _everySymbolJoinedUpTo) return;
            if (_latest is { } latest)
            {
                for (var i = everySymbol.Length - 1; i >= 0 && everySymbol[i].Joined > _everySymbolJoinedUpTo; i--)
                {
                    everySymbol[i].Listener.OnQuote(latest);
                }
            }

            _everySymbolJoinedUpTo = everySymbol[^1].Joined;
        }
    }
}
