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
        var errors = new List<string>();
        foreach (var mirror in Ordered())
        {
            try
            {
                var answer = await Transport(mirror).FindAsync(mirror, _store.Name, query, ct).ConfigureAwait(false);
                _health.Succeeded(mirror);
                return answer;
            }
            catch (MirrorUnavailableException e)
            {
                _health.Failed(mirror);
                errors.Add(e.Message);
            }
            catch (NotSupportedException e)
            {
                errors.Add(e.Message);
            }
            catch (MirrorRejectedCredentialException e)
            {
                string rejected = CredentialMessage(e) + " The query did not run.";
                RecordError(rejected);
                throw new CredentialRejectedException(rejected, e.Mirror, e.StatusCode);
            }
        }
        string message = errors.Count == 0
            ? $"Database '{_store.Name}': no mirror is known to run the query on; call AddPeerAsync(\"http://host:8800\") first."
            : $"Database '{_store.Name}': no mirror could run the query: {string.Join("; ", errors)}";
        RecordError(message);
        throw new MyNoSqlException(message);
    }
}
