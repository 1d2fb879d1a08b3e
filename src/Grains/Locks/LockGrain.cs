using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Records;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Locks;

/// <summary>
/// <see cref="ILockGrain"/>: one lock, keyed <c>"{db}/{name}"</c> (README.md beside this file). Orleans keeps one
/// activation; its state (<see cref="LockRecord"/>) is written to every active silo's <see cref="ILockService"/> and an
/// answer that depends on a change waits until a write quorum (a majority of active silos) holds it durably. On its
/// first call an activation reads the copies of a quorum of silos and adopts the greatest version, so a token handed out
/// is never issued again, wherever the lock activates next. With shared storage (ADO.NET) the grain state is the one copy.
/// </summary>
[GrainType("lock"), Orleans.Placement.PreferLocalPlacement]
internal sealed partial class LockGrain : Grain, ILockGrain
{
    /// <summary>Longest hold accepted (one day).</summary>
    public const long MaxTtlMs = 86_400_000;

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private readonly IPersistentState<LockRecordState> _state;
    private readonly IClusterMembershipService _membership;
    private readonly ILockServiceClient _silos;
    private readonly IOptions<MirrorGrainOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<LockGrain> _logger;
    private readonly bool _perSilo;
    private string _key = "";
    private LockRecord _current = LockRecord.None;
    private bool _loaded;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LockGrain(IPersistentStateFactory states, IGrainContext context, IOptions<MirrorGrainOptions> options, IClusterMembershipService membership,
        ILockServiceClient silos, ILogger<LockGrain> logger)
    {
        _state = states.Create<LockRecordState>(context, new StateConfiguration("lock", options.Value.StorageName));
        _membership = membership;
        _silos = silos;
        _options = options;
        _time = TimeProvider.System;
        _logger = logger;
        _perSilo = options.Value.Replicate;
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        var (database, name) = RecordKey.Split(_key);
        if (!DatabaseName.IsValid(database) || LockName.Problem(name) is not null)
            throw new ArgumentException($"'{_key}' is not a valid lock key ({{db}}/{{name}}).");
        return Task.CompletedTask;
    }

    public async Task<LockReply> Acquire(long ttlMs, CancellationToken cancellationToken = default)
    {
        CheckTtl(ttlMs);
        if (!await LoadAsync(cancellationToken)) return Reply(LockStatus.Unavailable);
        long now = Now();
        if (_current.IsHeldAt(now)) return Reply(LockStatus.Locked);
        var next = new LockRecord(_current.Token + 1, _current.Version + 1, now + ttlMs, Held: true) { TtlMs = ttlMs };
        if (!await StoreAsync(next, cancellationToken)) return Reply(LockStatus.Unavailable);
        LogAcquired(_key, next.Token, ttlMs);
        return Reply(LockStatus.Granted);
    }

    public async Task<LockReply> Renew(long token, long ttlMs, CancellationToken cancellationToken = default)
    {
        CheckTtl(ttlMs);
        if (!await LoadAsync(cancellationToken)) return Reply(LockStatus.Unavailable);
        if (HolderStatus(token) is { } refused) return Reply(refused);
        var next = _current with { Version = _current.Version + 1, ExpiresUnixMs = Now() + ttlMs, TtlMs = ttlMs };
        return Reply(await StoreAsync(next, cancellationToken) ? LockStatus.Granted : LockStatus.Unavailable);
    }

    public async Task<LockReply> Release(long token, CancellationToken cancellationToken = default)
    {
        if (!await LoadAsync(cancellationToken)) return Reply(LockStatus.Unavailable);
        if (HolderStatus(token) is { } refused) return Reply(refused);
        var next = _current with { Version = _current.Version + 1, ExpiresUnixMs = 0, Held = false };
        if (!await StoreAsync(next, cancellationToken)) return Reply(LockStatus.Unavailable);
        LogReleased(_key, token);
        return Reply(LockStatus.Granted);
    }

    public async Task<LockReply> Check(long token, CancellationToken cancellationToken = default)
    {
        if (!await LoadAsync(cancellationToken)) return Reply(LockStatus.Unavailable);
        return Reply(HolderStatus(token) ?? LockStatus.Granted);
    }

    public async Task WaitForChange(long version, long maxWaitMs, CancellationToken cancellationToken = default)
    {
        if (_current.Version != version || maxWaitMs <= 0) return;
        var changed = _changed.Task;
        await Task.WhenAny(changed, Task.Delay(TimeSpan.FromMilliseconds(Math.Min(maxWaitMs, 60_000)), cancellationToken));
    }

    /// <summary>Null when <paramref name="token"/> holds the lock now; otherwise why not.</summary>
    private LockStatus? HolderStatus(long token)
    {
        if (_current.Token == 0) return LockStatus.NotFound;
        return token == _current.Token && _current.IsHeldAt(Now()) ? null : LockStatus.NotHeld;
    }

    private static void CheckTtl(long ttlMs)
    {
        if (ttlMs is <= 0 or > MaxTtlMs) throw new ArgumentOutOfRangeException(nameof(ttlMs), ttlMs, $"A lock's ttl must be 1 ms to {MaxTtlMs} ms.");
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private LockReply Reply(LockStatus status) =>
        new(status, _current.Token, _current.Held ? _current.ExpiresUnixMs : 0, _current.Version);

    /// <summary>
    /// Reads the lock's state once per activation: from the grain state with shared storage, else from the copies of every
    /// active silo; false (and nothing adopted) while fewer than a write quorum of them answer, since the newest token
    /// might then be on the silos that did not.
    /// </summary>
    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        if (_loaded) return true;
        if (!_perSilo)
        {
            _current = Bounded(_state.State.Record ?? LockRecord.None);
            _loaded = true;
            return true;
        }
        var silos = SiloFanOut.Active(_membership).ToArray();
        int answered = 0;
        var newest = LockRecord.None;
        var answers = await SiloFanOut.AskAsync(_membership, async silo =>
        {
            var copy = await _silos.For(silo).Get(_key, cancellationToken);
            return new Answer(copy);
        }, AskTimeout, (e, silo) => LogAskFailed(e, _key, silo), cancellationToken);
        foreach (var answer in answers.OfType<Answer>())
        {
            answered++;
            if (answer.Copy is { } copy && LockOrder.Supersedes(copy, newest)) newest = copy;
        }
        if (answered < Quorum(silos.Length))
        {
            LogLoadQuorumMissed(_key, answered, Quorum(silos.Length));
            return false;
        }
        // Versions continue above every copy seen, so this activation's changes supersede them all.
        long version = answers.OfType<Answer>().Select(a => a.Copy?.Version ?? 0).DefaultIfEmpty(0).Max();
        _current = Bounded(newest with { Version = Math.Max(version, newest.Version) });
        _loaded = true;
        return true;
    }

    /// <summary>
    /// A hold read by this activation ends at most its ttl from this silo's clock: its end was computed by the clock of the
    /// silo that granted it, which may run ahead (audit P: a lock taken through a mirror one hour ahead stayed held an
    /// hour after that mirror was lost). The fencing token still refuses a stale holder's writes.
    /// </summary>
    private LockRecord Bounded(LockRecord record)
    {
        var bounded = BoundedAt(record, Now());
        if (!ReferenceEquals(bounded, record)) LogHoldBounded(_key, record.Token, record.ExpiresUnixMs - bounded.ExpiresUnixMs);
        return bounded;
    }

    /// <summary><paramref name="record"/>, its hold ending no later than its ttl after <paramref name="nowUnixMs"/>.</summary>
    internal static LockRecord BoundedAt(LockRecord record, long nowUnixMs)
    {
        long latest = nowUnixMs + record.TtlMs;
        return !record.Held || record.TtlMs <= 0 || record.ExpiresUnixMs <= latest ? record : record with { ExpiresUnixMs = latest };
    }

    /// <summary>Silos a change must be durable on before it is answered: the configured write quorum, or a majority.</summary>
    private int Quorum(int active)
    {
        int configured = _options.Value.WriteQuorum;
        return Math.Max(1, configured > 0 ? Math.Min(configured, active) : active / 2 + 1);
    }

    /// <summary>
    /// Makes <paramref name="next"/> current and writes it to every active silo; true once a write quorum holds it
    /// durably (the rest finish in the background). Current even when the quorum is missed: the token it carries is never
    /// issued again by this activation, and a later one finds it on whichever silos did store it, or issues past them.
    /// </summary>
    private async Task<bool> StoreAsync(LockRecord next, CancellationToken cancellationToken)
    {
        _current = next;
        var changed = _changed;
        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
        if (!_perSilo)
        {
            _state.State = new LockRecordState { Record = next };
            await _state.WriteStateAsync(cancellationToken);
            return true;
        }
        var silos = SiloFanOut.Active(_membership).ToArray();
        int needed = Quorum(silos.Length);
        var writes = silos.Select(async silo =>
        {
            try
            {
                await _silos.For(silo).Apply(_key, next, CancellationToken.None);
                return true;
            }
            catch (Exception e)
            {
                LogApplyFailed(e, _key, silo, next.Version);
                return false;
            }
        }).ToList();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Value.ReplicationTimeout);
        var deadline = Task.Delay(Timeout.Infinite, timeout.Token);
        int acks = 0;
        while (writes.Count > 0 && acks < needed)
        {
            var done = await Task.WhenAny(writes.Append(deadline));
            if (done == deadline) break;
            var write = (Task<bool>)done;
            writes.Remove(write);
            if (write.Result) acks++;
        }
        if (acks >= needed) return true;
        LogQuorumMissed(_key, next.Token, acks, needed);
        return false;
    }

    private sealed record Answer(LockRecord? Copy);

    [LoggerMessage(EventId = 2967, Level = LogLevel.Warning, Message = "Lock {Key}: token {Token}'s hold ended {AheadMs} ms past its ttl by this silo's clock (the granting silo's clock ran ahead); it now ends within its ttl")]
    private partial void LogHoldBounded(string key, long token, long aheadMs);

    [LoggerMessage(EventId = 2960, Level = LogLevel.Debug, Message = "Lock {Key}: token {Token} granted for {TtlMs} ms")]
    private partial void LogAcquired(string key, long token, long ttlMs);

    [LoggerMessage(EventId = 2961, Level = LogLevel.Debug, Message = "Lock {Key}: token {Token} released")]
    private partial void LogReleased(string key, long token);

    [LoggerMessage(EventId = 2962, Level = LogLevel.Warning, Message = "Lock {Key}: mirror {Silo} did not tell its copy")]
    private partial void LogAskFailed(Exception error, string key, SiloAddress silo);

    [LoggerMessage(EventId = 2963, Level = LogLevel.Warning, Message = "Lock {Key}: only {Answered} of the {Needed} mirrors a read quorum needs told their copy; not serving it yet")]
    private partial void LogLoadQuorumMissed(string key, int answered, int needed);

    [LoggerMessage(EventId = 2964, Level = LogLevel.Warning, Message = "Lock {Key}: mirror {Silo} did not store version {Version}")]
    private partial void LogApplyFailed(Exception error, string key, SiloAddress silo, long version);

    [LoggerMessage(EventId = 2965, Level = LogLevel.Warning, Message = "Lock {Key}: write quorum missed for token {Token} ({Acks} of {Needed} mirrors)")]
    private partial void LogQuorumMissed(string key, long token, int acks, int needed);
}
