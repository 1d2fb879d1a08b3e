using MyNoSql.Storage.Attachments;

namespace MyNoSql.Sync;

// Peer mode: a body is fetched from a mirror the first time it is opened (src/Storage/Sync/README.md "Attachment bodies").
internal sealed partial class SyncEngine
{
    /// <summary>
    /// Peer mode, first open of an attachment whose body is not stored here: fetches the body of
    /// <paramref name="stub"/> (manifest, then the missing chunks) from a mirror into the database's
    /// <c>DocumentStore.Attachments</c> store. True when the body is now stored locally (<see cref="AttachmentStore.HasBody"/>);
    /// false when no mirror is configured or reachable, or none has it. Mirrors that are down are skipped; chunks already
    /// stored by an interrupted fetch are not fetched again.
    /// </summary>
    /// <param name="id">The record id (for errors and progress).</param>
    /// <param name="name">The attachment name (for errors and progress).</param>
    /// <param name="stub">The stub whose body is wanted.</param>
    /// <param name="ct">Cancels the fetch.</param>
    /// <exception cref="AttachmentTooLargeException">The body is larger than this peer's limit.</exception>
    public async Task<bool> FetchAttachmentAsync(string id, string name, AttachmentStub stub, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stub);
        if (_store.Attachments is not { } store) return false;
        if (store.HasBody(stub.Digest)) return true;
        var errors = new List<string>();
        foreach (var mirror in Reachable())
        {
            try
            {
                if (await DownloadBodyAsync(mirror, stub.Digest, ct).ConfigureAwait(false))
                {
                    _health.Succeeded(mirror);
                    return true;
                }
                errors.Add($"{mirror}: not held there");
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
                RecordError(CredentialMessage(e) + $" Attachment '{name}' of record '{id}' was not fetched.");
                return false;
            }
        }
        if (errors.Count > 0)
            RecordError($"Database '{_store.Name}': attachment '{name}' of record '{id}' ({stub.Digest}) could not be fetched: {string.Join("; ", errors)}");
        return false;
    }
}
