using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QuoteCluster.Configuration;
using QuoteCluster.Feeds;
using QuoteCluster.Logging;
using QuoteCluster.Observability;
using QuoteCluster.Storage;
using QuoteCluster.Symbols;

namespace QuoteCluster.Ingest;

/// <summary>The singleton that owns the market-data feed, the ingest pump and the heartbeat.</summary>
public sealed class IngestGrain(
    [PersistentState("ingest", StorageNames.Grains)] IPersistentState<IngestState> state,
    IMarketDataFeedFactory feeds,
    IQuoteStore store,
    QuoteClusterOptions options,
    [FromKeyedServices(QuoteClusterTime.Key)] TimeProvider time,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    ILogger<IngestGrain> logger) : Grain, IIngestGrain, IRemindable
{
    private const string KeepAliveReminder = "ingest-keepalive";

    // With MONITORED_SYMBOLS=* the symbols are what arrives, bounded here by MAX_SYMBOLS; a named list is bounded when
    // it is set (configuration, AddSymbolsAsync), and the feed sends nothing else.
    private readonly QuoteCoalescer _coalescer = new(options.AllSymbols ? options.MaxSymbols : int.MaxValue);
    private readonly FeedHeartbeat _heartbeat = new(store, time, logger);
    private readonly ShutdownAgreement _shutdown = new(state, membership);
    private readonly Guid _activation = Guid.NewGuid();
    private IMarketDataFeed? _feed;
    private IngestPump? _pump;
    private CancellationTokenSource? _background;
    private bool _stopped;
    private long _droppedLogged;
    private long _namedListChanges;

    /// <summary>The symbols ingested: the named list, or under MONITORED_SYMBOLS=* those that have arrived so far.</summary>
    /// <remarks>
    /// The discovered symbols are not grain state: persisting them would be a storage write per new symbol (thousands at
    /// the open), and after a move the feed names the active ones again within seconds of reconnecting.
    /// </remarks>
    private IReadOnlyList<string> Symbols => options.AllSymbols ? _coalescer.Symbols : state.State.Symbols;

    /// <summary>What the feed is asked for: the wildcard itself, or the named list.</summary>
    private IReadOnlyList<string> FeedSymbols => options.AllSymbols ? [Symbol.Wildcard] : state.State.Symbols;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!state.RecordExists && !options.AllSymbols)
        {
            state.State.Symbols = [.. options.MonitoredSymbols];
        }

        _shutdown.ForgetDepartedSilos();
        if (!_shutdown.AnySiloStaying(except: null))
        {
            // Re-activated while the whole cluster shuts down (a keeper's ping): stay stopped.
            _stopped = true;
            return;
        }

        // The reminder outlives this activation: if the silo dies, it activates the grain (and the feed) elsewhere.
        await this.RegisterOrUpdateReminder(KeepAliveReminder, options.IngestReminderPeriod, options.IngestReminderPeriod);

        _feed = feeds.Create();
        _pump = new IngestPump(_coalescer, GrainFactory, time, options.IngestBatchInterval, options.IngestMaxInFlight, logger);
        await _feed.StartAsync(_coalescer, FeedSymbols, cancellationToken);
        _pump.Start();
        _heartbeat.StartMeasuring();
        _background = new CancellationTokenSource();
        var stopping = _background.Token;
        _ = Task.Run(() => RedeliverWhenSilosDieAsync(stopping), CancellationToken.None);
        StartPriming(Symbols);

        // Interleaved so the heartbeat keeps its cadence whatever else the grain is doing.
        this.RegisterGrainTimer(WriteHeartbeatAsync, new GrainTimerCreationOptions(TimeSpan.Zero, options.HeartbeatInterval) { Interleave = true, KeepAlive = true });
        this.RegisterGrainTimer(ResendUnconfirmedAsync, new GrainTimerCreationOptions(options.StorageResendAfter, options.StorageResendAfter) { Interleave = true });
        QuoteClusterMetrics.ObserveIngest(this, () => new IngestGauges(
            _heartbeat.LastWrittenAt is { } at ? Math.Max(0, (time.GetUtcNow() - at).TotalSeconds) : null,
            _pump?.SymbolCalls is > 0 and var calls ? (double)_coalescer.Received / calls : null));
        Log.IngestStarted(logger, SiloName, _feed.Name, FeedSymbols.Count, string.Join(',', FeedSymbols));
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        QuoteClusterMetrics.StopObservingIngest(this);
        if (!_stopped)
        {
            await StopFeedAsync();

            // When a survivor takes the feed over, a `stopped` heartbeat would only make UIs flicker.
            if (!_shutdown.AnySiloStaying(except: silo.SiloAddress))
            {
                await WriteHeartbeatAsync(HeartbeatStatus.Stopped, cancellationToken);
            }

            Log.IngestStopped(logger, reason.Description, _coalescer.Received);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public Task EnsureRunningAsync() => Task.CompletedTask;

    public Task<FeedStatus> GetStatusAsync() => Task.FromResult(CurrentStatus);

    public Task<IReadOnlyList<string>> GetSymbolsAsync() => Task.FromResult<IReadOnlyList<string>>([.. Symbols]);

    public Task<SymbolListChange?> GetSymbolsSinceAsync(SymbolListVersion known)
    {
        var symbols = Symbols;
        var version = new SymbolListVersion(_activation, options.AllSymbols ? symbols.Count : _namedListChanges);
        if (known == version) return Task.FromResult<SymbolListChange?>(null);

        // A discovered list only grows within an activation: the caller gets what was added after the part it holds.
        if (options.AllSymbols && known.Activation == _activation && known.Changes < symbols.Count)
        {
            return Task.FromResult<SymbolListChange?>(new SymbolListChange(version, [.. symbols.Skip((int)known.Changes)], Whole: false, Discovered: true));
        }

        return Task.FromResult<SymbolListChange?>(new SymbolListChange(version, [.. symbols], Whole: true, options.AllSymbols));
    }

    public async Task<IReadOnlyList<string>> AddSymbolsAsync(IReadOnlyList<string> symbols)
    {
        if (options.AllSymbols) throw new AllSymbolsIngestedException(AllSymbolsIngestedException.Explanation);
        var normalized = symbols.Select(Symbol.Normalize).ToList();
        var added = normalized.Where(s => !state.State.Symbols.Contains(s)).Distinct().ToList();
        if (state.State.Symbols.Count + added.Count > options.MaxSymbols)
        {
            throw new SymbolLimitExceededException(
                $"Adding {string.Join(", ", added)} would make {state.State.Symbols.Count + added.Count} symbols, over the feed's limit of {options.MaxSymbols} (MAX_SYMBOLS); nothing was changed.");
        }

        if (added.Count > 0)
        {
            await ChangeSymbolsAsync([.. state.State.Symbols, .. added]);
            StartPriming(added);
        }

        return [.. Symbols];
    }

    public async Task<IReadOnlyList<string>> RemoveSymbolsAsync(IReadOnlyList<string> symbols)
    {
        if (options.AllSymbols) throw new AllSymbolsIngestedException(AllSymbolsIngestedException.Explanation);
        var normalized = symbols.Select(Symbol.Normalize).ToHashSet();
        if (state.State.Symbols.Any(normalized.Contains))
        {
            await ChangeSymbolsAsync([.. state.State.Symbols.Where(s => !normalized.Contains(s))]);
        }

        return [.. Symbols];
    }

    public async Task StopAsync(string reason)
    {
        if (_stopped) return;
        Log.Shutdown(logger, "stopping the feed and draining received quotes");
        await StopFeedAsync();
        _stopped = true;

        // Each step is attempted for every symbol and writer, whatever another one does: one grain on a failing silo
        // must not cost the others their last write, nor the cluster its `stopped` heartbeat.
        Log.Shutdown(logger, "flushing writes still waiting for their per-symbol interval");
        var failedFlushes = await CallEverySymbolAsync(g => g.FlushPendingWriteAsync(), "flushing pending writes at a stop", atOnce: int.MaxValue);

        // A stream delivers through its queue and the queue's pulling agent; give the flushed writes a moment to reach
        // the writers.
        await Task.Delay(StreamDeliveryAllowance, time);
        var writers = await Task.WhenAll(Enumerable.Range(0, options.WriterPartitions).Select(async p =>
        {
            try
            {
                return await GrainFactory.GetGrain<IQuoteWriterGrain>(p.ToString(System.Globalization.CultureInfo.InvariantCulture)).FlushAsync(WriterFlushDeadline);
            }
            catch (Exception e)
            {
                Log.RoundFailed(logger, e, $"flushing writer partition {p} at a stop", 1, 1);
                return -1;
            }
        }));
        Log.Shutdown(logger, $"writers flushed {writers.Where(n => n > 0).Sum()} pending quotes" +
            (failedFlushes > 0 || writers.Contains(-1) ? $"; {failedFlushes} symbols and {writers.Count(n => n < 0)} writers failed to flush" : ""));

        await WriteHeartbeatAsync(HeartbeatStatus.Stopped, CancellationToken.None);
        Log.IngestStopped(logger, reason, _coalescer.Received);
    }

    public async Task<bool> SiloLeavingAsync(SiloAddress leaving)
    {
        await _shutdown.RecordLeavingAsync(leaving);
        if (_shutdown.AnySiloStaying(except: leaving)) return false;
        await StopAsync("every silo of the cluster is shutting down");
        return true;
    }

    private string SiloName => silo.SiloAddress.ToString();

    /// <summary>The feed's own account, except that a stopped ingest reports Stopped whatever the feed last said.</summary>
    private FeedHealth CurrentFeedHealth => _stopped ? new FeedHealth(FeedState.Stopped, false, null) : _feed?.Health ?? FeedHealth.Starting;

    private FeedStatus CurrentStatus
    {
        get
        {
            var health = CurrentFeedHealth;
            var last = _coalescer.LastQuote;
            var dropped = _coalescer.Dropped;
            return new FeedStatus(
                _feed?.Name ?? options.MarketFeed, health.State, health.Connected, Symbols, _coalescer.Received, _heartbeat.QuotesPerSecond,
                last?.Symbol, last?.ReceivedAt, health.LastError, _heartbeat.LastWrittenAt, SiloName, _pump?.SymbolCalls ?? 0)
            {
                AllSymbols = options.AllSymbols,
                DroppedQuotes = dropped.Quotes,
                DroppedSymbols = dropped.Symbols,
            };
        }
    }

    internal static TimeSpan StreamDeliveryAllowance { get; } = TimeSpan.FromMilliseconds(250);

    internal static TimeSpan WriterFlushDeadline { get; } = TimeSpan.FromSeconds(4);

    /// <summary>How long a stop waits for received quotes to reach their grains.</summary>
    internal static TimeSpan PumpDrainDeadline { get; } = TimeSpan.FromSeconds(5);

    internal static TimeSpan RedeliverAgainAfter { get; } = TimeSpan.FromSeconds(2);

    private async Task ChangeSymbolsAsync(List<string> symbols)
    {
        state.State.Symbols = symbols;
        _namedListChanges++;
        await state.WriteStateAsync();
        if (_feed is not null && !_stopped)
        {
            await _feed.SetSymbolsAsync(symbols, CancellationToken.None);
        }
    }

    private async Task StopFeedAsync()
    {
        if (_background is not null)
        {
            await _background.CancelAsync();
            _background.Dispose();
            _background = null;
        }

        if (_feed is not null)
        {
            await _feed.DisposeAsync();
        }

        if (_pump is not null)
        {
            await _pump.StopAsync(PumpDrainDeadline);
        }
    }

    /// <summary>
    /// Fills symbols from the feed's snapshot of their latest quote and trade, as a screen is filled before the first
    /// live tick: a closed market, a quiet symbol or one just added has its quote at once. The grains drop anything
    /// older than what they hold, so priming symbols they already know costs a few requests and changes nothing.
    /// </summary>
    private void StartPriming(IReadOnlyCollection<string> symbols)
    {
        if (_feed is not { } feed || _background is null || symbols.Count == 0) return;
        var wanted = symbols.ToList();
        var stopping = _background.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                _coalescer.Prime(await feed.SnapshotAsync(wanted, stopping));
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
    }

    /// <summary>
    /// When a silo dies, the SymbolGrains it held come back elsewhere with what they had last stored, which may miss
    /// the quote held for its trailing write; and the grain directory also terminates activations on surviving silos
    /// (docs/orleans-behaviours.md). So every symbol's last delivered quote goes out again, at once and once more after
    /// the directory has settled; grains that still hold it ignore the duplicate.
    /// </summary>
    private async Task RedeliverWhenSilosDieAsync(CancellationToken cancellationToken)
    {
        var dead = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToHashSet();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                var newlyDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress)).ToList();
                if (newlyDead.Count == 0) continue;
                _coalescer.RedeliverLatest();

                // Not awaited: with the whole market it is thousands of calls, and the second redelivery must not wait.
                if (!_stopped) _ = ResendUnconfirmedWritesAsync();
                await Task.Delay(RedeliverAgainAfter, time, cancellationToken);
                _coalescer.RedeliverLatest();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task WriteHeartbeatAsync(CancellationToken cancellationToken)
    {
        LogDroppedSymbols();
        var status = CurrentStatus;
        return _heartbeat.WriteAsync(_heartbeat.StatusOf(status.State, _stopped), status, cancellationToken);
    }

    /// <summary>Once per heartbeat interval at most, and only when the bound dropped more since the last time.</summary>
    private void LogDroppedSymbols()
    {
        var dropped = _coalescer.Dropped;
        if (dropped.Quotes == _droppedLogged) return;
        _droppedLogged = dropped.Quotes;
        Log.SymbolsDropped(logger, options.MaxSymbols, dropped.Quotes, dropped.Symbols, dropped.Last);
    }

    private Task WriteHeartbeatAsync(string status, CancellationToken cancellationToken) =>
        _heartbeat.WriteAsync(status, CurrentStatus, cancellationToken);

    private Task ResendUnconfirmedAsync(CancellationToken cancellationToken) =>
        _stopped ? Task.CompletedTask : CallEverySymbolAsync(g => g.EnsureStoredAsync(), "sweeping for unstored quotes", options.IngestMaxInFlight);

    /// <summary>A SymbolGrain waits for its writer's confirmation before it sends the next write; a dead silo may have held that writer.</summary>
    private Task ResendUnconfirmedWritesAsync() =>
        CallEverySymbolAsync(g => g.ResendUnconfirmedAsync(), "re-sending unconfirmed writes after a silo died", options.IngestMaxInFlight);

    /// <summary>
    /// Calls every symbol's grain, at most <paramref name="atOnce"/> at a time: the sweeps take INGEST_MAX_IN_FLIGHT, since
    /// with the whole market 11,000 calls at once would queue in front of every quote in the silos; a stop takes them all
    /// at once, so that one grain hung on a silo does not hold back the others' calls past the stop's budget. A failed
    /// call does not stop the others; the failures are logged once for the round.
    /// </summary>
    /// <remarks>
    /// A sliding window, not chunks: a call hung on a dead silo (until the response timeout, 30 s) holds its own place
    /// only, where it held a whole chunk of the others back.
    /// </remarks>
    /// <returns>How many calls failed.</returns>
    private async Task<int> CallEverySymbolAsync(Func<ISymbolGrain, Task> call, string round, int atOnce)
    {
        var symbols = Symbols.ToList();
        using var places = new SemaphoreSlim(Math.Min(atOnce, Math.Max(1, symbols.Count)));
        var failed = await Task.WhenAll(symbols.Select(async Task<Exception?> (s) =>
        {
            await places.WaitAsync();
            try
            {
                await call(GrainFactory.GetGrain<ISymbolGrain>(s));
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
            finally
            {
                places.Release();
            }
        }));
        var calls = symbols.Count;
        Exception? failure = null;
        var failures = 0;
        foreach (var e in failed.OfType<Exception>())
        {
            failure = e;
            failures++;
        }

        if (failure is not null) Log.RoundFailed(logger, failure, round, failures, calls);
        return failures;
    }
}
