namespace MyNoSql.Grains;

/// <summary>
/// One CouchDB <c>_local</c> document (a replication checkpoint), key <c>"{db}/{local id}"</c>: stored apart from records,
/// never in a change feed, never replicated to peers. Revisions are <c>"0-N"</c> as in CouchDB.
/// </summary>
[Alias("mynosql.ICouchLocalGrain")]
public interface ICouchLocalGrain : IGrainWithStringKey
{
    /// <summary>The document, or null when absent.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    [Alias("Get")]
    ValueTask<CouchLocalDoc?> Get(CancellationToken cancellationToken = default);

    /// <summary>Writes (<paramref name="body"/> not null) or deletes (null) the document; the new revision, or null when
    /// <paramref name="rev"/> is not the current one (a conflict: nothing written).</summary>
    /// <param name="rev">The current revision as the caller knows it (ignored when the document is absent).</param>
    /// <param name="body">The document's content (UTF-8 JSON object, without <c>_id</c>/<c>_rev</c>), or null to delete.</param>
    /// <param name="cancellationToken">Cancels before the write starts.</param>
    [Alias("Put")]
    ValueTask<string?> Put(string? rev, byte[]? body, CancellationToken cancellationToken = default);
}
