using System.Text.Json.Nodes;

namespace MyNoSql.Sync;

// FindScope.Mirrors: a query answered by a mirror instead of the peer's own records.
internal sealed partial class SyncEngine
{
    /// <summary>
    /// Runs a Mango query on a mirror (<see cref="FindScope.Mirrors"/>): the known mirrors are asked in turn, the one in
    /// use first and those in back-off last, and the first answer is returned as the mirror gave it:
    /// <c>{"docs":[...],"bookmark":...,"index":...,"warning"?:...}</c>. The answer reflects every write the mirrors
    /// acknowledged to this peer's pushes through that mirror (read-your-writes through the same gateway), not the
    /// peer's outbox: call <see cref="RunAsync"/> first to include pending local writes.
    /// </summary>
    /// <exception cref="ArgumentException">The mirror refused the query as bad; the message is its reason.</exception>
    /// <exception cref="CredentialRejectedException">A mirror rejected the credential.</exception>
    /// <exception cref="MyNoSqlException">No mirror is known, or none could answer.</exception>
    public async Task<JsonObject> FindOnMirrorsAsync(JsonObject query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (answer, _) = await OnMirrorAsync("the query", null, (transport, mirror) => transport.FindAsync(mirror, _store.Name, query, ct), ct,
            message => new MyNoSqlException(message)).ConfigureAwait(false);
        return answer;
    }
}
