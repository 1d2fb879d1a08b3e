using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Documents;

internal sealed partial class ReplicaStore
{
    /// <summary>
    /// <see cref="MergeAsync"/> for many records at once (a mirror applying a peer's push or a replication batch): every
    /// key's lock is taken, each leaf is merged by <see cref="DocumentRules.Merge"/> into what its key holds (leaves of one
    /// key in order), and every changed record is written with one <see cref="RecordStore.WriteBatchAsync"/> (one sync per
    /// touched shard) before any result returns. Flags, <see cref="RecordFlags.Pending"/>, the merge policy and the
    /// observers behave as in <see cref="MergeAsync"/>. One result per item, in order: that leaf's merge result and the
    /// record its key holds after the whole batch. With <paramref name="take"/>, an item it refuses given what its key holds once
    /// the locks are taken (null: nothing) is left alone (result null, nothing written for it): the caller takes its usual
    /// path for it.
    /// </summary>
    /// <exception cref="CorruptDataException">A stored record is damaged.</exception>
    public async ValueTask<(MergeResult? Result, DocumentRecord? Stored)[]> MergeManyAsync(
        IReadOnlyList<(string Key, string Id, RevisionLeaf Leaf)> items, Func<DocumentRecord?, RevisionLeaf, bool>? take = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var results = new MergeResult?[items.Count];
        if (items.Count == 0) return [];
        using (await LockManyAsync(items.Select(i => i.Key), cancellationToken).ConfigureAwait(false))
        {
            // Per key: the record as merged so far, its kept Pending flag, whether it changed and whether it is pending now.
            var touched = new Dictionary<string, (DocumentRecord? Record, RecordFlags Keep, bool Changed, bool Pending)>(StringComparer.Ordinal);
            for (int i = 0; i < items.Count; i++)
            {
                var (key, id, leaf) = items[i];
                if (!touched.TryGetValue(key, out var state))
                {
                    // An absent key needs no payload read (a first push is all new keys).
                    bool present = Records.TryGetHeader(key, out var h);
                    var stored = present ? await ReadAsync(key, id, cancellationToken).ConfigureAwait(false) : null;
                    // A key that holds a version without a record (a cleared grain state) is left to its grain, as a held one.
                    if (take is not null && (stored is null && present && VersionOf(key) != 0 || !take(stored, leaf))) continue;
                    state = (stored, present ? h.Flags & RecordFlags.Pending : RecordFlags.None, false, false);
                }
                Clock.Observe(leaf.Stamp);
                var outcome = DocumentRules.Merge(state.Record, id, leaf, HistoryDepth, state.Keep != RecordFlags.None);
                results[i] = outcome.Result;
                if (outcome.Result != MergeResult.AlreadyKnown) state = (outcome.Record, state.Keep, true, state.Pending);
                touched[key] = state;
            }
            var writes = new List<(StoredRecord Stored, DocumentRecord Record)>(touched.Count);
            foreach (var (key, state) in touched.ToArray())
            {
                if (!state.Changed) continue;
                bool pending = state.Pending;
                var record = ResolveByPolicy(state.Record!, ref pending); // as in MergeAsync
                touched[key] = (record, state.Keep, true, pending);
                var flags = state.Keep | RecordFlags.FromSync | (pending ? RecordFlags.Pending : RecordFlags.None);
                writes.Add((ToStored(key, record, flags), record));
            }
            if (writes.Count > 0)
            {
                await Records.WriteBatchAsync([.. writes.Select(w => w.Stored)], cancellationToken).ConfigureAwait(false);
                foreach (var (stored, record) in writes) Notify(stored.Key, record, merged: true);
            }
            var answer = new (MergeResult?, DocumentRecord?)[items.Count];
            for (int i = 0; i < items.Count; i++)
                answer[i] = touched.TryGetValue(items[i].Key, out var state) ? (results[i], state.Record) : (null, null);
            return answer;
        }
    }
}
