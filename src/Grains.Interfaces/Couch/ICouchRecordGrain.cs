namespace MyNoSql.Grains;

/// <summary>
/// What the CouchDB protocol (<c>/couch</c>, src/Silo/Couch) needs of a record beyond <see cref="IRecordGrain"/>: the same
/// grain (key <c>"{db}/{id}"</c>, <see cref="RecordKey.For"/>), reached through this interface.
/// </summary>
[Alias("mynosql.ICouchRecordGrain")]
public interface ICouchRecordGrain : IGrainWithStringKey
{
    /// <summary>
    /// Stores a revision another system made (CouchDB's <c>new_edits=false</c>) with its ancestry, exactly as given: its
    /// hash is kept, not recomputed from the content (<see cref="IRecordGrain.Accept"/> refuses hashes it cannot derive).
    /// The body must still be a valid record body (JSON object without <c>id</c>/<c>rev</c>; empty for a tombstone).
    /// </summary>
    /// <param name="revision">The revision, its ancestry (newest first) and body.</param>
    /// <param name="cancellationToken">Cancels before the write starts.</param>
    [Alias("AcceptForeign")]
    ValueTask<MergeStatus> AcceptForeign(ReplicatedRevision revision, CancellationToken cancellationToken = default);
}
