using System.Text.Json.Nodes;
using MyNoSql.Local;
using MyNoSql.Storage.Merging;

namespace MyNoSql;

public sealed partial class MyNoSqlDb
{
    // The policy parsed from the metadata instance it came from (metadata is replaced, never changed, on update).
    private PolicyCache? _policyCache;

    /// <summary>
    /// Sets the database's merge policy (DESIGN §8). Stored with the database, it replicates to the mirrors and every
    /// peer in the following sync rounds (the newest change wins). From then on any replica that sees a conflict writes
    /// the same deterministic resolution revision. An empty policy turns automatic resolution off.
    /// Records already conflicted here when the policy is set are resolved now (those whose common ancestor's body this
    /// peer still keeps); other replicas resolve theirs when the policy reaches them or when they next merge the record.
    /// </summary>
    /// <exception cref="ArgumentException">A field name is empty, <c>id</c> or <c>rev</c>, more than 1000 fields, or a
    /// strategy undefined.</exception>
    public async Task SetMergePolicyAsync(MergePolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        MergePolicyJson.Validate(policy);
        ThrowIfDisposed();
        var copy = MergePolicyJson.Copy(policy);
        long stamp = _store.Replica.Clock.Next();
        await UpdateMetadataAsync(m => m.SetMergePolicy(copy, stamp, dirty: true), cancellationToken).ConfigureAwait(false);
        if (!copy.IsEmpty) await _store.ResolveConflictsAsync(copy, cancellationToken).ConfigureAwait(false);
        _loop.Wake();
    }

    /// <summary>The database's merge policy as this replica knows it (empty when none was set).</summary>
    public Task<MergePolicy> GetMergePolicyAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        var policy = CurrentMergePolicy();
        return Task.FromResult(policy is null ? new MergePolicy() : MergePolicyJson.Copy(policy));
    }

    /// <summary>
    /// The application's manual merge: <paramref name="merged"/> (its <c>rev</c> must be the winner's) is saved as a
    /// child of the winner and every losing leaf is closed, in one write. Returns the saved record.
    /// </summary>
    /// <exception cref="DocumentNotFoundException">No such record, or it is deleted.</exception>
    /// <exception cref="RevisionConflictException">The <c>rev</c> is not the winner's; nothing was written.</exception>
    /// <exception cref="ArgumentException">Invalid record.</exception>
    public async Task<JsonObject> ResolveConflictAsync(string id, JsonObject merged, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(merged);
        ThrowIfDisposed();
        var saved = await _store.ResolveAsync(id, merged, cancellationToken).ConfigureAwait(false);
        _loop.Wake();
        return saved;
    }

    /// <summary>The policy the store resolves merges by (null: none). Called by merges that make a conflict.</summary>
    private MergePolicy? CurrentMergePolicy()
    {
        var m = Volatile.Read(ref _metadata);
        var cache = Volatile.Read(ref _policyCache);
        if (cache is not null && ReferenceEquals(cache.Source, m)) return cache.Policy;
        var policy = m.ReadMergePolicy();
        Volatile.Write(ref _policyCache, new PolicyCache(m, policy));
        return policy;
    }

    private sealed record PolicyCache(PeerMetadata Source, MergePolicy? Policy);
}
