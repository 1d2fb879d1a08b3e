using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Merging;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Diagnostics;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;
using Orleans.Storage;

namespace MyNoSql.Grains.Records;

/// <summary>
/// One record (<c>"{db}/{id}"</c>): applies <see cref="DocumentRules"/> to its state, persists it to the
/// configured grain storage, replicates each new revision to a write quorum of mirrors and tells the record's
/// index segment. On activation it merges what the other mirrors hold (read repair). Every revision it makes carries
/// this silo's hybrid-clock stamp, and the record keeps this silo's own history (DESIGN §8; History.cs: history, undo,
/// redo, patches). A conflict that replication or read repair makes is resolved by the database's merge policy, if
/// any (Merge.cs), and so is the application's manual resolution.
/// </summary>
// Prefer-local: a record activates on the silo whose gateway (HTTP or Orleans) first asked for it, so a save through that
// gateway makes no extra hop to another silo before its durable write.
[GrainType(MirrorKeys.RecordGrainType), CollectionAgeLimit(Idle), Orleans.Placement.PreferLocalPlacement]
internal sealed partial class RecordGrain : Grain, IRecordGrain
{
    private const int MaxWriteAttempts = 8;
    private readonly IPersistentState<RecordState> _state;
    private readonly Replicator _replicator;
    private readonly ILogger<RecordGrain> _logger;
    private readonly int _maxDocumentSize;
    private readonly int _historyDepth;
    private readonly HybridClock _clock;
    private readonly MergePolicies _policies;
    private string _database = "";
    private string _id = "";
    private DocumentRecord? _record;
    /// <summary>The membership version of the last read repair under <c>--replicas N</c> (null: not under replicas).</summary>
    private MembershipVersion? _repairedAt;

    public RecordGrain(IPersistentStateFactory states, IGrainContext context, IOptions<MirrorGrainOptions> options, Replicator replicator,
        HybridClock clock, MergePolicies policies, ILogger<RecordGrain> logger)
    {
        _state = states.Create<RecordState>(context, new StateConfiguration(MirrorKeys.RecordStateName, options.Value.StorageName));
        _replicator = replicator;
        _logger = logger;
        _maxDocumentSize = options.Value.MaxDocumentSize;
        _historyDepth = options.Value.HistoryDepth;
        _clock = clock;
        _policies = policies;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_database, _id) = RecordKey.Split(this.GetPrimaryKeyString());
        _record = StoredRecord();
        _damage = _state.State.Damage;
        if (_record is not null) foreach (var leaf in _record.Leaves) _clock.Observe(leaf.Stamp);
        await RepairFromOthersAsync();
    }

    /// <summary>
    /// Read repair: merges what the other mirrors hold (<see cref="Replicator.ReadOthersAsync"/>) into this copy. On
    /// activation, and under <c>--replicas N</c> again on the first call after the membership changed
    /// (RecordGrain.Freshness.cs): revisions acknowledged meanwhile may have gone to holders this activation never hears from.
    /// </summary>
    private async Task RepairFromOthersAsync()
    {
        var damaged = _damage;
        if (_replicator.Enabled)
        {
            _repairedAt = _replicator.Placement is { Replicas: > 0 } sets ? sets.Current.Version : null;
            var incoming = new List<RevisionLeaf>();
            foreach (var leaves in await _replicator.ReadOthersAsync(_database, _id))
            {
                foreach (var wire in leaves)
                {
                    if (!LeafWire.TryFromWire(wire, verify: false, out var leaf, out _)) continue;
                    _clock.Observe(leaf.Stamp);
                    incoming.Add(leaf);
                }
            }
            DocumentRecord? Merged(DocumentRecord? current)
            {
                var merged = current;
                foreach (var leaf in incoming)
                {
                    var outcome = DocumentRules.Merge(merged, _id, leaf, _historyDepth);
                    if (outcome.Result != MergeResult.AlreadyKnown) merged = outcome.Record;
                }
                return ReferenceEquals(merged, current) ? null : merged;
            }
            bool repaired;
            try
            {
                (_, repaired) = await WriteAsync(current => (Merged(current), 0));
            }
            catch (Exception e) when (StorageFullException.IsDiskFull(e))
            {
                // The other mirrors' copies are served from memory; anti-entropy stores them here once there is space.
                LogRepairNotStored(_database, _id, e.Message);
                _record = Merged(_record) ?? _record;
                repaired = false;
            }
            if (repaired)
            {
                if (damaged is not null) LogDamageRepaired(_database, _id, damaged.FilePath, damaged.Offset, _record!.Winner.Rev.ToString());
                else LogReadRepair(_database, _id, _record!.Winner.Rev.ToString());
                // The stubs came in here, not through MirrorService's merges: note them too, so the next anti-entropy round
                // pulls their bodies (under replicas this holder may otherwise lack them until the periodic stub scan).
                if (ServiceProvider.GetService<Attachments.AttachmentRepair>() is { } attachments)
                {
                    foreach (var leaf in incoming) attachments.Note(_database, leaf.Body);
                }
            }
        }
        // A conflict this copy holds (repaired in, or replicated here while the record was elsewhere) is resolved now
        // when the database has a merge policy; every mirror then gets the resolution.
        if (_record is { HasConflicts: true } && await ResolveByPolicyAsync() is { Length: > 0 } resolution)
            await PublishAsync(resolution);
    }

    /// <summary>Why <paramref name="body"/> cannot be stored (logged), or null. Any Orleans client may call the grain, not
    /// only the gateway: the bytes are checked here, where they are stored.</summary>
    private string? InvalidBody(byte[] body)
    {
        try
        {
            DocumentCodec.ValidateBody(body, _maxDocumentSize);
            return null;
        }
        catch (DocumentFormatException e)
        {
            LogInvalidSave(_database, _id, e.Part, e.Message);
            return e.Message;
        }
    }

    public ValueTask<DocumentReply?> Read(CancellationToken cancellationToken = default)
    {
        MyNoSqlMetrics.Reads.Add(1, MyNoSqlMetrics.Db(_database));
        return ValueTask.FromResult(_record is null || _record.Winner.Deleted ? null : Reply(_record.Winner));
    }

    // A write that started is finished even if the caller gives up: cancellation only applies before it starts.
    public async ValueTask<SaveReply> Save(string? rev, byte[] body, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(body);
        if (InvalidBody(body) is { } problem) return new SaveReply(RecordStatus.Invalid, null, null, problem);
        await TrackPolicyAsync();
        try
        {
            var outcome = DocumentRules.Save(_database, _record, _id, rev, body, edit: NewEdit());
            var reply = Reply(outcome.Leaf);
            if (!outcome.Changed) return new SaveReply(RecordStatus.Ok, reply, null);
            bool quorum = await WriteAndReplicateAsync(outcome.Record, outcome.Leaf);
            return new SaveReply(quorum ? RecordStatus.Ok : RecordStatus.QuorumUnavailable, reply, null);
        }
        catch (RevisionConflictException e)
        {
            return new SaveReply(RecordStatus.Conflict, null, e.CurrentRevision);
        }
    }

    public async ValueTask<DeleteReply> Delete(string? rev, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var outcome = DocumentRules.Delete(_database, _record, _id, rev, edit: NewEdit());
            bool quorum = await WriteAndReplicateAsync(outcome.Record, outcome.Leaf);
            return new DeleteReply(quorum ? RecordStatus.Ok : RecordStatus.QuorumUnavailable, outcome.Leaf.Rev.ToString(), null);
        }
        catch (RevisionConflictException e)
        {
            return new DeleteReply(RecordStatus.Conflict, null, e.CurrentRevision);
        }
        catch (DocumentNotFoundException)
        {
            return new DeleteReply(RecordStatus.NotFound, null, null);
        }
    }

    public ValueTask<WinnerRevision?> GetRevision(CancellationToken cancellationToken = default) => ValueTask.FromResult(_record is null ? null :
        new WinnerRevision(_record.Winner.Rev.ToString(), _record.Winner.Deleted, [.. _record.Winner.Ancestry.Select(a => a.ToString())]));

    public ValueTask<MergeStatus> Accept(ReplicatedRevision revision, CancellationToken cancellationToken = default) =>
        AcceptAsync(revision, requireDerived: true, cancellationToken);

    private async ValueTask<MergeStatus> AcceptAsync(ReplicatedRevision revision, bool requireDerived, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RevisionLeaf[] resolution = [];
        // The rule is shared with the deterministic simulation (Sync/ReplicaAccept.cs).
        return await Sync.ReplicaAccept.AcceptAsync(revision,
            async leaf =>
            {
                _clock.Observe(leaf.Stamp);
                var merged = await WriteAsync(current =>
                {
                    var o = DocumentRules.Merge(current, _id, leaf, _historyDepth);
                    return (o.Result == MergeResult.AlreadyKnown ? null : o.Record, o.Result);
                });
                if (merged.Written) NoteWrite();
                // Only a conflict asks for the policy: the no-conflict path stays as it was.
                if (merged.Written && _record is { HasConflicts: true }) resolution = await ResolveByPolicyAsync();
                return merged;
            },
            (leaf, written) => written ? PublishAsync([leaf, .. resolution]) : _replicator.ReplicateAsync(_database, _id, LeafWire.ToWire(leaf)),
            problem => LogRejected(_database, _id, problem), _maxDocumentSize, requireDerived);
    }

    public ValueTask<DocumentReply[]> GetConflicts(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_record is null ? [] : _record.Conflicts.Select(Reply).ToArray());

    public ValueTask<ReplicatedRevision[]> GetLeaves(CancellationToken cancellationToken = default) => ValueTask.FromResult(LeafWire.ToWire(_record));

    /// <summary>
    /// Applies <paramref name="apply"/> to the current record and persists its result (null = nothing to write).
    /// When the store changed underneath (replication or anti-entropy wrote this silo's copy), re-reads and
    /// applies again, so a revision check always runs against what is stored.
    /// </summary>
    private async Task<(T Result, bool Written)> WriteAsync<T>(Func<DocumentRecord?, (DocumentRecord? Next, T Result)> apply)
    {
        for (int attempt = 1; ; attempt++)
        {
            var (next, result) = apply(_record);
            if (next is null) return (result, false);
            // The storage provider takes revision and flags from the record itself (lzma-shards encodes it once).
            _state.State = new RecordState(next);
            try
            {
                await _state.WriteStateAsync();
                _record = next;
                _damage = null; // a damaged copy is replaced by the write
                return (result, true);
            }
            catch (InconsistentStateException) when (attempt < MaxWriteAttempts)
            {
                LogReread(_database, _id, attempt);
                var before = _record;
                await _state.ReadStateAsync();
                _record = KeptIfDropped(before, StoredRecord());
                _damage = _state.State.Damage;
            }
        }
    }

    /// <summary>
    /// Persists <paramref name="next"/>, the current record with the client's new <paramref name="leaf"/>, while the other
    /// mirrors already write that leaf: the acknowledgement still needs this silo's durable write and a write quorum, but
    /// the two no longer run one after the other. When the store changed underneath (replication or anti-entropy wrote
    /// this silo's copy, which the other mirrors may now also hold), the leaf they were sent is merged into what is stored,
    /// as replication would merge it: the save is then ordered before that change, and every copy converges on the same
    /// leaves (resolved by the merge policy, if any, like any conflict). So no mirror ever holds a revision of a save that
    /// this silo did not store. True once a write quorum holds the leaf.
    /// </summary>
    private async Task<bool> WriteAndReplicateAsync(DocumentRecord next, RevisionLeaf leaf)
    {
        MyNoSqlMetrics.Saves.Add(1, MyNoSqlMetrics.Db(_database));
        NoteWrite();
        var replication = _replicator.ReplicateAsync(_database, _id, LeafWire.ToWire(leaf));
        var read = _record;
        bool merged;
        try
        {
            (_, merged) = await WriteAsync(current =>
            {
                if (ReferenceEquals(current, read)) return (next, false);
                var o = DocumentRules.Merge(current, _id, leaf, _historyDepth);
                return (o.Result == MergeResult.AlreadyKnown ? null : o.Record, true);
            });
        }
        catch (Exception e) when (StorageFullException.IsDiskFull(e) && ReferenceEquals(_record, read))
        {
            // This silo's disk is full. The write still stands when a write quorum of the other mirrors alone stored it
            // (durable on a quorum, DESIGN §5): served from memory here, stored here by anti-entropy once there is space.
            await replication;
            if (!await _replicator.HeldByQuorumOfOthersAsync(_database, _id, leaf.Rev.ToString())) throw;
            LogStoredElsewhere(_database, _id, leaf.Rev.ToString(), e.Message);
            _record = next;
            merged = false;
        }
        RevisionLeaf[] resolution = merged && _record is { HasConflicts: true } ? await ResolveByPolicyAsync() : [];
        bool quorum = await FinishPublishAsync(replication);
        return resolution.Length == 0 ? quorum : quorum & await PublishAsync(resolution);
    }

    /// <summary>Replicates a new leaf (waiting for the write quorum) and updates the index segment meanwhile.</summary>
    private Task<bool> PublishAsync(RevisionLeaf leaf) => PublishAsync([leaf]);

    /// <summary>Replicates new leaves (each to a write quorum) and updates the index segment meanwhile; true once a
    /// quorum holds every one.</summary>
    private async Task<bool> PublishAsync(IReadOnlyList<RevisionLeaf> leaves)
    {
        var replication = _replicator.ReplicateManyAsync([.. leaves.Select(leaf => new ReplicatedRecord(_database, _id, LeafWire.ToWire(leaf)))]);
        return await FinishPublishAsync(replication.ContinueWith(t => t.Result.All(ok => ok), TaskScheduler.Default));
    }

    /// <summary>Updates the index segment with the stored record while <paramref name="replication"/> runs; its result.</summary>
    private async Task<bool> FinishPublishAsync(Task<bool> replication)
    {
        await ReportToIndexAsync();
        return await replication;
    }

    /// <summary>A new edit of this record: a fresh stamp of this silo's clock and the configured history depth.</summary>
    private EditContext NewEdit(EditKind kind = EditKind.Save) => new(_clock.Next(), _historyDepth, kind) { Tracked = _tracked };

    /// <summary>The leaves of <paramref name="after"/> that <paramref name="before"/> did not hold (what a write must replicate).</summary>
    private static RevisionLeaf[] NewLeaves(DocumentRecord? before, DocumentRecord after) =>
        [.. after.Leaves.Where(l => before is null || !before.Leaves.Any(b => b.Rev == l.Rev))];

    // lzma-shards hands back the decoded record; a serializing provider (ADO.NET) only the payload.
    private DocumentRecord? StoredRecord()
    {
        var state = _state.State;
        if (state.Record is { } record) return record;
        var payload = state.Payload;
        return payload is null || payload.Length == 0 ? null : RecordCodec.Decode(MirrorKeys.Record(_database, _id), _id, payload);
    }

    private DocumentReply Reply(RevisionLeaf leaf) =>
        new(_id, leaf.Rev.ToString(), DocumentCodec.ComposeUtf8(_id, leaf.Rev, leaf.Body.Span));

    [LoggerMessage(EventId = 2076, Level = LogLevel.Warning, Message = "{Database}/{Id} at {Rev} acknowledged by a write quorum of the other mirrors; not stored here: {Reason}")]
    private partial void LogStoredElsewhere(string database, string id, string rev, string reason);

    [LoggerMessage(EventId = 2075, Level = LogLevel.Warning, Message = "Read repair of {Database}/{Id} served but not stored: {Reason}")]
    private partial void LogRepairNotStored(string database, string id, string reason);

    [LoggerMessage(EventId = 2060, Level = LogLevel.Information, Message = "Read repair of {Database}/{Id}: now at {Rev}")]
    private partial void LogReadRepair(string database, string id, string rev);

    [LoggerMessage(EventId = 2061, Level = LogLevel.Debug, Message = "{Database}/{Id} changed in the store underneath (attempt {Attempt}); re-reading")]
    private partial void LogReread(string database, string id, int attempt);

    [LoggerMessage(EventId = 2062, Level = LogLevel.Warning, Message = "Rejected a revision for {Database}/{Id}: {Problem}")]
    private partial void LogRejected(string database, string id, string problem);

    [LoggerMessage(EventId = 2900, Level = LogLevel.Warning, Message = "Refused a save of {Database}/{Id}: the body's {Part} is invalid: {Problem}")]
    private partial void LogInvalidSave(string database, string id, DocumentPart part, string problem);

    [LoggerMessage(EventId = 2063, Level = LogLevel.Error, Message = "Index segment update for {Database}/{Id} failed")]
    private partial void LogIndexFailed(Exception error, string database, string id);
}
