using System.Text.Json.Nodes;

namespace MyNoSql.Sync;

// Calls that need a mirror (locks and fenced saves of DESIGN §9, queries on the mirrors), tried in turn.
internal sealed partial class SyncEngine
{
    /// <summary>
    /// Runs <paramref name="call"/> on the first mirror that answers (the one in use first, those in back-off last),
    /// <paramref name="preferred"/> first when given; the answer and that mirror. When no mirror is known or none answers,
    /// the error is recorded and thrown as <paramref name="unavailable"/> makes it (default
    /// <see cref="LockUnavailableException"/>), at once.
    /// </summary>
    /// <exception cref="CredentialRejectedException">A mirror rejected the credential.</exception>
    public async Task<(JsonObject Answer, string Mirror)> OnMirrorAsync(string what, string? preferred,
        Func<ISyncTransport, string, Task<JsonObject>> call, CancellationToken ct, Func<string, Exception>? unavailable = null)
    {
        var errors = new List<string>();
        var mirrors = Ordered();
        if (preferred is not null && mirrors.Remove(preferred)) mirrors.Insert(0, preferred);
        foreach (var mirror in mirrors)
        {
            try
            {
                var answer = await call(Transport(mirror), mirror).ConfigureAwait(false);
                _health.Succeeded(mirror);
                return (answer, mirror);
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
                string rejected = CredentialMessage(e) + $" {what} did not happen.";
                RecordError(rejected);
                throw new CredentialRejectedException(rejected, e.Mirror, e.StatusCode);
            }
        }
        string message = errors.Count == 0
            ? $"Database '{_store.Name}': {what} needs a mirror and none is known; call AddPeerAsync(\"http://host:8800\") first."
            : $"Database '{_store.Name}': {what} needs a mirror and none could answer: {string.Join("; ", errors)}";
        RecordError(message);
        throw unavailable?.Invoke(message) ?? new LockUnavailableException(message);
    }

    /// <summary>Merges what <paramref name="mirror"/> holds of <paramref name="id"/> into the local store (after a fenced
    /// save there); false when the mirror did not answer (the next pull brings it).</summary>
    public async Task<bool> StoreFromMirrorAsync(string mirror, string id, CancellationToken ct)
    {
        try
        {
            await FetchAndMergeAsync(mirror, [id], ct).ConfigureAwait(false);
            NoteRefreshed(id, _clock.GetUtcNow());
            return true;
        }
        catch (MirrorUnavailableException e)
        {
            _health.Failed(mirror);
            RecordError($"Database '{_store.Name}': record '{id}' was saved on {mirror} but not fetched back yet: {e.Message}");
            return false;
        }
    }
}
