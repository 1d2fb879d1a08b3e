using System.Text.Json.Nodes;

namespace MyNoSql.Sync;

// Locks and fenced saves (DESIGN §9): calls that need a mirror, tried in turn (the one in use first, those in back-off last).
internal sealed partial class SyncEngine
{
    /// <summary>
    /// Runs <paramref name="call"/> on the first mirror that answers, <paramref name="preferred"/> first when given; the
    /// answer and that mirror. <see cref="LockUnavailableException"/> at once when no mirror is known or none answers.
    /// </summary>
    /// <exception cref="CredentialRejectedException">A mirror rejected the credential.</exception>
    public async Task<(JsonObject Answer, string Mirror)> OnMirrorAsync(string what, string? preferred,
        Func<ISyncTransport, string, Task<JsonObject>> call, CancellationToken ct)
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
        throw new LockUnavailableException(message);
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
