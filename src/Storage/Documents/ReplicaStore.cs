using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Merging;

namespace MyNoSql.Storage.Documents;

/// <summary>
/// The one place a replica reads, merges and writes a <see cref="DocumentRecord"/>, over a <see cref="RecordStore"/>:
/// a peer's <see cref="DocumentStore"/> (key = the record id) and a mirror's store (key = the record's grain-state key,
/// several databases in one engine) both go through it, so both write one record format and keep the same flags.
/// Writes to one key are serialised by a striped lock held until the write is durable, so a check and its write are
/// atomic. Thread-safe.
/// </summary>
/// <remarks>
/// Record format: <see cref="DocumentRecord.Encode"/> without the winner's revision (format 3: the engine header holds
/// it; leaves carry stamps and kinds, then the kept history); formats 1 (winner inside the payload, written by mirrors
/// before) and 2 (no stamps, no history) still read. Flags: every write
/// derives <see cref="RecordFlags.Deleted"/>, <see cref="RecordFlags.HasConflicts"/> and
/// <see cref="RecordFlags.HasOtherLeaves"/> from the record, so the in-memory directory can tell without reading
/// which records keep other leaves. A cleared key (grain state cleared) is an empty payload flagged
/// <see cref="RecordFlags.Deleted"/> with no revision.
/// </remarks>
internal sealed partial class ReplicaStore
{
    private readonly KeyLocks _locks = new();
    private readonly string _context;
    private volatile IReplicaObserver[] _observers = [];

    /// <param name="records">The engine.</param>
    /// <param name="context">Names the store in errors, e.g. <c>database 'orders'</c>.</param>
    public ReplicaStore(RecordStore records, string context)
    {
        Records = records;
        _context = context;
    }

    /// <summary>Adds an observer of every durable write from now on.</summary>
    public void AddObserver(IReplicaObserver observer)
    {
        lock (_locks) _observers = [.. _observers, observer];
    }

    /// <summary>Removes an observer added before.</summary>
    public void RemoveObserver(IReplicaObserver observer)
    {
        lock (_locks) _observers = [.. _observers.Where(o => !ReferenceEquals(o, observer))];
    }

    /// <summary>The underlying engine.</summary>
    public RecordStore Records { get; }

    /// <summary>Bodies of this many past revisions are kept per record (DESIGN §8; 0 keeps none).</summary>
    public int HistoryDepth { get; init; } = RecordHistory.DefaultDepth;

    /// <summary>This replica's clock: merges observe the stamps they receive.</summary>
    public HybridClock Clock { get; init; } = HybridClock.System;

    /// <summary>The database's merge policy now (null: none): a merge that makes a conflict resolves it by the policy.</summary>
    public Func<MergePolicy?>? MergePolicy { get; set; }

    /// <summary>A new edit's context: a fresh stamp, this store's history depth and the fields the merge policy's
    /// Latest strategy tracks (<see cref="FieldStamps"/>).</summary>
    public EditContext NewEdit(EditKind kind = EditKind.Save) =>
        new(Clock.Next(), HistoryDepth, kind) { Tracked = FieldStamps.TrackedBy(MergePolicy?.Invoke()) };

    /// <summary>Takes the key's write lock (held until disposed).</summary>
    public ValueTask<KeyLocks.Releaser> LockAsync(string key, CancellationToken cancellationToken) =>
        _locks.AcquireAsync(key, cancellationToken);

    /// <summary>Takes the write locks of many keys at once (deadlock-free).</summary>
    public ValueTask<KeyLocks.Releaser> LockManyAsync(IEnumerable<string> keys, CancellationToken cancellationToken) =>
        _locks.AcquireManyAsync(keys, cancellationToken);

    /// <summary>
    /// The version stamp of what <paramref name="key"/> holds: its <see cref="RecordHeader.Sequence"/>, or 0 when
    /// the key is absent or cleared. Directory lookup only.
    /// </summary>
    public ulong VersionOf(string key) =>
        Records.TryGetHeader(key, out var header) && !IsCleared(header.Revision, header.Flags) ? header.Sequence : 0;

    /// <summary>The record stored under <paramref name="key"/>; null when absent or cleared.</summary>
    /// <exception cref="CorruptDataException">The stored bytes are damaged.</exception>
    public async ValueTask<DocumentRecord?> ReadAsync(string key, string id, CancellationToken cancellationToken = default)
    {
        var stored = await Records.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        return stored is null || stored.Payload.IsEmpty ? null : Decode(stored, id);
    }

    /// <summary>The record stored under <paramref name="key"/> and its version (<see cref="VersionOf"/>), read together.</summary>
    /// <exception cref="CorruptDataException">The stored bytes are damaged.</exception>
    public async ValueTask<(DocumentRecord? Record, ulong Version)> ReadVersionAsync(string key, string id, CancellationToken cancellationToken = default)
    {
        var stored = await Records.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (stored is null) return (null, 0);
        ulong version = StoredVersion(stored);
        return (stored.Payload.IsEmpty ? null : Decode(stored, id), version);
    }

    /// <summary>Opaque state that is not a record: its payload (null when absent, cleared or empty) and version.</summary>
    public async ValueTask<(ReadOnlyMemory<byte>? Payload, ulong Version)> ReadStateAsync(string key, CancellationToken cancellationToken = default)
    {
        var stored = await Records.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (stored is null) return (null, 0);
        return (stored.Payload.IsEmpty ? (ReadOnlyMemory<byte>?)null : stored.Payload, StoredVersion(stored));
    }

    /// <summary>Writes <paramref name="record"/> under <paramref name="key"/>; the caller holds the key's lock.</summary>
    public async ValueTask WriteAsync(string key, DocumentRecord record, RecordFlags extra, CancellationToken cancellationToken = default)
    {
        await Records.WriteAsync(ToStored(key, record, extra), cancellationToken).ConfigureAwait(false);
        Notify(key, record, (extra & RecordFlags.FromSync) != 0);
    }

    /// <summary>Writes many records with one sync per touched shard; the caller holds their locks.</summary>
    public async ValueTask WriteManyAsync(IReadOnlyList<(string Key, DocumentRecord Record)> records, RecordFlags extra, CancellationToken cancellationToken = default)
    {
        if (records.Count == 0) return;
        await Records.WriteBatchAsync([.. records.Select(r => ToStored(r.Key, r.Record, extra))], cancellationToken).ConfigureAwait(false);
        foreach (var (key, record) in records) Notify(key, record, (extra & RecordFlags.FromSync) != 0);
    }

    /// <summary>
    /// Applies leaves received from another replica in one write (<see cref="DocumentRules.Merge"/>). Returns the
    /// strongest result (Conflict over Accepted over AlreadyKnown) and the record now stored. The key's
    /// <see cref="RecordFlags.Pending"/> is kept; <paramref name="pending"/> sets it. The write carries
    /// <see cref="RecordFlags.FromSync"/> (observers see it as <see cref="ReplicaWrite.Merged"/>).
    /// </summary>
    public async ValueTask<(MergeResult Result, DocumentRecord? Stored)> MergeAsync(string key, string id, IReadOnlyList<RevisionLeaf> incoming, bool pending, CancellationToken cancellationToken = default)
    {
        using (await LockAsync(key, cancellationToken).ConfigureAwait(false))
        {
            var record = await ReadAsync(key, id, cancellationToken).ConfigureAwait(false);
            var keep = Records.TryGetHeader(key, out var h) ? h.Flags & RecordFlags.Pending : RecordFlags.None;
            var result = MergeResult.AlreadyKnown;
            foreach (var leaf in incoming)
            {
                Clock.Observe(leaf.Stamp);
                var outcome = DocumentRules.Merge(record, id, leaf, HistoryDepth, keep != RecordFlags.None);
                record = outcome.Record;
                if (outcome.Result == MergeResult.Conflict || (outcome.Result == MergeResult.Accepted && result == MergeResult.AlreadyKnown))
                    result = outcome.Result;
            }
            if (result != MergeResult.AlreadyKnown)
            {
                // A conflict this merge left is resolved at once by the database's policy, if any: the resolution is a
                // local edit (other replicas that resolve the same leaves write the same revisions), so it is pushed.
                // Also after an accepted descendant: one that replaces a closed branch's tombstone (a re-creation) makes
                // that branch live again beside the resolution.
                record = ResolveByPolicy(record!, ref pending);
                await WriteAsync(key, record!, keep | RecordFlags.FromSync | (pending ? RecordFlags.Pending : RecordFlags.None), cancellationToken).ConfigureAwait(false);
            }
            return (result, record);
        }
    }

    /// <summary>A conflict a merge left, resolved by the database's merge policy if there is one; the resolution is a
    /// local edit (pushed), so it sets <paramref name="pending"/>.</summary>
    private DocumentRecord ResolveByPolicy(DocumentRecord record, ref bool pending)
    {
        if (!record.HasConflicts || MergePolicy?.Invoke() is not { IsEmpty: false } policy
            || ConflictResolver.TryResolve(record, policy, HistoryDepth) is not { } resolved) return record;
        pending = true;
        return resolved;
    }

    /// <summary>
    /// Writes <paramref name="record"/> (null clears the key) if the key's version still equals
    /// <paramref name="expectedVersion"/> (0 = absent or cleared): optimistic concurrency for a writer that
    /// merged in memory (a grain). Returns whether it wrote and the version the key has now.
    /// </summary>
    public async ValueTask<(bool Written, ulong Version)> WriteIfAsync(string key, DocumentRecord? record, ulong expectedVersion, CancellationToken cancellationToken = default)
    {
        using (await LockAsync(key, cancellationToken).ConfigureAwait(false))
        {
            ulong current = VersionOf(key);
            if (current != expectedVersion) return (false, current);
            if (record is null)
            {
                await Records.WriteAsync(Cleared(key), cancellationToken).ConfigureAwait(false);
                Notify(key, null, merged: false);
            }
            else await WriteAsync(key, record, RecordFlags.None, cancellationToken).ConfigureAwait(false);
            return (true, VersionOf(key));
        }
    }

    /// <summary>
    /// <see cref="WriteIfAsync"/> for opaque state that is not a record (empty <paramref name="payload"/> clears):
    /// the payload is stored as is, with no revision.
    /// </summary>
    public async ValueTask<(bool Written, ulong Version)> WriteStateIfAsync(string key, ReadOnlyMemory<byte> payload, ulong expectedVersion, CancellationToken cancellationToken = default)
    {
        using (await LockAsync(key, cancellationToken).ConfigureAwait(false))
        {
            ulong current = VersionOf(key);
            if (current != expectedVersion) return (false, current);
            var stored = payload.IsEmpty ? Cleared(key) : new StoredRecord(key, default, RecordFlags.None, payload);
            await Records.WriteAsync(stored, cancellationToken).ConfigureAwait(false);
            return (true, VersionOf(key));
        }
    }

    /// <summary>
    /// Drops the kept history of every deleted record whose tombstone is older than <paramref name="horizon"/>
    /// (<see cref="RecordHistory.DropExpired"/>): deleting keeps the bodies (undo brings a record back), the tombstone
    /// horizon — when deleted records leave the sync index — lets them go. Each record is rewritten under its lock only
    /// when its history goes; returns how many were. A record whose stored bytes are damaged is passed to
    /// <paramref name="damaged"/> (key, error) and skipped: one bad copy must not keep every later record's history,
    /// and the engine's compaction after the sweep, from running. <paramref name="admit"/>, when given, must also let a
    /// deleted record's key through (a mirror's own clock of how long it has seen the record deleted).
    /// </summary>
    public async ValueTask<int> DropExpiredHistoryAsync(TimeSpan horizon, DateTimeOffset now, Action<string, CorruptDataException>? damaged = null,
        Func<string, bool>? admit = null, CancellationToken cancellationToken = default)
    {
        int dropped = 0;
        foreach (var header in Records.List())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if ((header.Flags & RecordFlags.Deleted) == 0 || IsCleared(header.Revision, header.Flags)) continue;
            if (admit is not null && !admit(header.Key)) continue;
            using (await LockAsync(header.Key, cancellationToken).ConfigureAwait(false))
            {
                DocumentRecord? record;
                ulong version;
                try
                {
                    (record, version) = await ReadVersionAsync(header.Key, header.Key, cancellationToken).ConfigureAwait(false);
                }
                catch (CorruptDataException e)
                {
                    damaged?.Invoke(header.Key, e);
                    continue;
                }
                if (record is null || version == 0) continue;
                var trimmed = RecordHistory.DropExpired(record, horizon, now);
                if (ReferenceEquals(trimmed, record)) continue;
                var keep = Records.TryGetHeader(header.Key, out var h) ? h.Flags & RecordFlags.Pending : RecordFlags.None;
                await WriteAsync(header.Key, trimmed, keep, cancellationToken).ConfigureAwait(false);
                dropped++;
            }
        }
        return dropped;
    }

    /// <summary>The engine flags a stored record carries (plus <paramref name="extra"/>, e.g. Pending).</summary>
    public static RecordFlags FlagsOf(DocumentRecord record, RecordFlags extra = RecordFlags.None)
    {
        var flags = extra;
        if (record.Winner.Deleted) flags |= RecordFlags.Deleted;
        if (record.HasConflicts) flags |= RecordFlags.HasConflicts;
        if (record.HasOtherLeaves) flags |= RecordFlags.HasOtherLeaves;
        return flags;
    }

    /// <summary>Whether a stored record keeps leaves besides its winner (its <see cref="DocumentRecord.LeavesTag"/> needs the payload).</summary>
    public static bool HasOtherLeaves(RecordFlags flags) => (flags & (RecordFlags.HasConflicts | RecordFlags.HasOtherLeaves)) != 0;

    /// <summary>The one record format every replica writes (format 3: the winner's revision only in the header).</summary>
    public static StoredRecord ToStored(string key, DocumentRecord record, RecordFlags extra) =>
        new(key, record.Winner.Rev, FlagsOf(record, extra), record.Encode(omitWinnerRevision: true));

    // Under the key's lock, after the write is durable: observers follow the store in write order.
    private void Notify(string key, DocumentRecord? record, bool merged)
    {
        var observers = _observers;
        if (observers.Length == 0) return;
        ulong sequence = Records.TryGetHeader(key, out var header) ? header.Sequence : 0;
        var write = new ReplicaWrite(key, record, sequence, merged);
        foreach (var observer in observers) observer.OnWritten(write);
    }

    private DocumentRecord Decode(StoredRecord stored, string id)
    {
        try
        {
            return DocumentRecord.Decode(id, stored.Payload, stored.Revision);
        }
        catch (FormatException e)
        {
            throw new CorruptDataException(Records.Directory, 0, $"{_context}, record '{id}': {e.Message}", e);
        }
    }

    private static ulong StoredVersion(StoredRecord stored) => IsCleared(stored.Revision, stored.Flags) ? 0 : stored.Sequence;

    private static bool IsCleared(Revision revision, RecordFlags flags) => revision.IsEmpty && (flags & RecordFlags.Deleted) != 0;

    private static StoredRecord Cleared(string key) => new(key, default, RecordFlags.Deleted, ReadOnlyMemory<byte>.Empty);
}
