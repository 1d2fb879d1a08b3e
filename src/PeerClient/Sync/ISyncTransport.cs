using System.Text.Json.Nodes;

namespace MyNoSql.Sync;

/// <summary>
/// One way to reach mirrors. HTTP (http://, https://) is built in; other URL schemes get their transport from
/// <see cref="MyNoSqlOptions.Transports"/> (orleans:// from the MyNoSql.PeerClient.Orleans package). A database
/// creates one instance per scheme when it first needs it and disposes it when it closes. Calls may run
/// concurrently. A mirror that cannot be used now is reported with <see cref="MirrorUnavailableException"/>
/// (the round then tries the next mirror); any other exception ends the round.
/// </summary>
public interface ISyncTransport : IDisposable
{
    /// <summary>Every mirror <paramref name="mirror"/> knows (at least itself).</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="ct">Cancels the call.</param>
    Task<IReadOnlyList<string>> GetMirrorsAsync(string mirror, CancellationToken ct);

    /// <summary>False only when the mirror's index is known to equal <paramref name="checkpoint"/>.</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="checkpoint">The checkpoint the peer holds; null when it holds none.</param>
    /// <param name="ct">Cancels the call.</param>
    Task<bool> PollAsync(string mirror, string db, string? checkpoint, CancellationToken ct);

    /// <summary>Index changes since <paramref name="checkpoint"/> (null: from the beginning).</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="checkpoint">Where the previous page ended; null for the beginning.</param>
    /// <param name="limit">The most entries one page may hold.</param>
    /// <param name="prefixes">When not empty, only ids starting with one of these.</param>
    /// <param name="ct">Cancels the call.</param>
    Task<ChangesPage> GetChangesAsync(string mirror, string db, string? checkpoint, int limit, IReadOnlyList<string> prefixes, CancellationToken ct);

    /// <summary>Pushes a record batch holding <paramref name="ids"/> in order; at least one answer per record.</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="batch">The encoded record batch (the sync protocol's batch format).</param>
    /// <param name="ids">The ids of the records in <paramref name="batch"/>, in order.</param>
    /// <param name="ct">Cancels the call.</param>
    Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct);

    /// <summary>A record batch of the given records (unknown ids left out).</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="ids">The ids to fetch.</param>
    /// <param name="ct">Cancels the call.</param>
    Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct);

    /// <summary>
    /// A record batch of the given records (unknown ids left out), each relative to the revision the peer holds of it
    /// (delta sync, DESIGN §8: the ancestry down to it and bodies as deltas against its body, when the mirror keeps it).
    /// A transport that cannot say revisions fetches whole records (the default).
    /// </summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="ids">The ids to fetch.</param>
    /// <param name="heldRevs">Per id (aligned with <paramref name="ids"/>) the revision the peer holds; null: send it whole.</param>
    /// <param name="ct">Cancels the call.</param>
    Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, IReadOnlyList<string?> heldRevs, CancellationToken ct) =>
        FetchAsync(mirror, db, ids, ct);

    /// <summary>
    /// Runs a Mango query (DESIGN §7) on the mirror and returns its answer as the mirror gives it:
    /// <c>{"docs":[...],"bookmark":...,"index":...,"warning"?:...}</c> (<see cref="FindScope.Mirrors"/>).
    /// </summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="query">The query: <c>{"selector","sort","limit","skip","fields","bookmark"}</c>.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="ArgumentException">The mirror refused the query as bad; the message is its reason.</exception>
    /// <exception cref="NotSupportedException">This transport cannot run queries (the default).</exception>
    Task<JsonObject> FindAsync(string mirror, string db, JsonObject query, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot run queries on mirrors.");

    /// <summary>The database's merge policy as the mirrors hold it: <c>{"fields":{…},"stamp":N}</c> (DESIGN §8).</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="NotSupportedException">This transport cannot carry merge policies (the default).</exception>
    Task<JsonObject> GetMergePolicyAsync(string mirror, string db, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot carry merge policies.");

    /// <summary>Offers the peer's merge policy <c>{"fields":{…},"stamp":N}</c>; the mirrors keep the one with the greater
    /// stamp and answer with the policy they hold now.</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="policy">The policy with its stamp.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="NotSupportedException">This transport cannot carry merge policies (the default).</exception>
    Task<JsonObject> PutMergePolicyAsync(string mirror, string db, JsonObject policy, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot carry merge policies.");

    #region Attachment bodies (issue 15; src/Storage/Sync/README.md "Attachment bodies")

    /// <summary>
    /// Which of <paramref name="chunkIds"/> the mirror's chunk store for <paramref name="db"/> lacks
    /// (<c>POST /db/{db}/sync/att/missing</c>): a peer sends only those, so a body the mirror holds is never sent again
    /// and an interrupted upload resumes after the last chunk the mirror stored.
    /// </summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="chunkIds">Chunk ids: lowercase hex SHA-256 of each chunk's raw bytes.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="NotSupportedException">This transport cannot carry attachment bodies (the default).</exception>
    Task<IReadOnlyList<string>> MissingAttachmentChunksAsync(string mirror, string db, IReadOnlyList<string> chunkIds, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot carry attachment bodies.");

    /// <summary>Stores one chunk on the mirror (<c>PUT /db/{db}/sync/att/chunk/{id}</c>); the mirror checks its hash.</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="chunkId">The chunk's id (lowercase hex SHA-256 of <paramref name="raw"/>).</param>
    /// <param name="raw">The chunk's raw bytes (at most the chunk size).</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="NotSupportedException">This transport cannot carry attachment bodies (the default).</exception>
    Task PutAttachmentChunkAsync(string mirror, string db, string chunkId, ReadOnlyMemory<byte> raw, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot carry attachment bodies.");

    /// <summary>
    /// Stores a body's manifest <c>{"digest","length","chunk_size","chunks":[ids]}</c> on the mirror
    /// (<c>PUT /db/{db}/sync/att/manifest</c>) once all its chunks are there; answers the chunks the mirror still lacks
    /// (empty: the body is stored).
    /// </summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="manifest">The manifest JSON.</param>
    /// <param name="recordId">A record whose attachment the body is (<c>?id=</c>): under <c>--replicas N</c> the mirrors
    /// place the body on that record's holders, which then need no copy of their own; null places it by its digest.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="NotSupportedException">This transport cannot carry attachment bodies (the default).</exception>
    Task<IReadOnlyList<string>> PutAttachmentManifestAsync(string mirror, string db, JsonObject manifest, string? recordId, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot carry attachment bodies.");

    /// <summary>The manifest of the body with <paramref name="digest"/> (<c>sha256-&lt;base64&gt;</c>) as the mirror holds it
    /// (<c>GET /db/{db}/sync/att/manifest/{digest}</c>); null when it does not hold that body.</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="digest">The body's digest as in its stub.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="NotSupportedException">This transport cannot carry attachment bodies (the default).</exception>
    Task<JsonObject?> GetAttachmentManifestAsync(string mirror, string db, string digest, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot carry attachment bodies.");

    /// <summary>Reads one chunk's raw bytes into <paramref name="destination"/> (<c>GET /db/{db}/sync/att/chunk/{id}</c>);
    /// answers their length, or -1 when the mirror does not hold that chunk. The caller checks the hash.</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="chunkId">The chunk's id.</param>
    /// <param name="destination">Room for the chunk (the manifest's chunk size); a longer answer is a malformed one.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="NotSupportedException">This transport cannot carry attachment bodies (the default).</exception>
    Task<int> GetAttachmentChunkAsync(string mirror, string db, string chunkId, Memory<byte> destination, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot carry attachment bodies.");

    #endregion

    #region Locks (DESIGN §9; src/Grains/Locks/README.md)

    /// <summary>
    /// Takes the lock <paramref name="name"/> for <paramref name="ttl"/>, waiting on the mirror up to <paramref name="wait"/>
    /// (<c>POST /db/{db}/_locks/{name}?ttl=S&amp;wait=S</c>). The answer as the mirror gives it: <c>{"name","token","expires"}</c>,
    /// or its error <c>{"error","reason"}</c> for a 404 or 409 (<c>locked</c>).
    /// </summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="name">The lock name.</param>
    /// <param name="ttl">How long the hold lasts unless renewed.</param>
    /// <param name="wait">How long the mirror may wait for the lock to free.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="ArgumentException">The mirror refused the request as bad (400); the message is its reason.</exception>
    /// <exception cref="NotSupportedException">This transport cannot take locks (the default).</exception>
    Task<JsonObject> LockAsync(string mirror, string db, string name, TimeSpan ttl, TimeSpan wait, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot take locks.");

    /// <summary>Renews the hold of <paramref name="token"/> for <paramref name="ttl"/> from now (<c>PUT …?token=T&amp;ttl=S</c>);
    /// the answer as for <see cref="LockAsync"/> (409 <c>not_held</c> when the token no longer holds the lock).</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="name">The lock name.</param>
    /// <param name="token">The fencing token the lock was granted with.</param>
    /// <param name="ttl">The new hold, from now.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="NotSupportedException">This transport cannot take locks (the default).</exception>
    Task<JsonObject> RenewLockAsync(string mirror, string db, string name, long token, TimeSpan ttl, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot take locks.");

    /// <summary>Releases the hold of <paramref name="token"/> (<c>DELETE …?token=T</c>): <c>{"name","token","released"}</c>, or
    /// the mirror's 404/409 error.</summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="name">The lock name.</param>
    /// <param name="token">The fencing token the lock was granted with.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="NotSupportedException">This transport cannot take locks (the default).</exception>
    Task<JsonObject> ReleaseLockAsync(string mirror, string db, string name, long token, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot take locks.");

    /// <summary>
    /// Saves <paramref name="record"/> (with its <c>id</c> and <c>rev</c>) on the mirror, fenced by the lock's token
    /// (<c>PUT /db/{db}/doc/{id}?fence=NAME:TOKEN</c>): the saved record <c>{"id","rev",…}</c>, or the mirror's error for a
    /// 404 or 409 (<c>fenced</c>: the token no longer holds the lock; <c>conflict</c>: stale rev).
    /// </summary>
    /// <param name="mirror">The mirror's normalised base URL.</param>
    /// <param name="db">The database name.</param>
    /// <param name="id">The record id.</param>
    /// <param name="record">The record as for savedoc.</param>
    /// <param name="lockName">The lock whose token fences the save.</param>
    /// <param name="token">The fencing token.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="ArgumentException">The mirror refused the record as bad (400, 413); the message is its reason.</exception>
    /// <exception cref="NotSupportedException">This transport cannot make fenced saves (the default).</exception>
    Task<JsonObject> SaveFencedAsync(string mirror, string db, string id, JsonObject record, string lockName, long token, CancellationToken ct) =>
        throw new NotSupportedException($"{mirror}: this transport ({GetType().Name}) cannot make fenced saves.");

    #endregion
}
