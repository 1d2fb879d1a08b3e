using MyNoSql.Storage.Attachments;

namespace MyNoSql.Sync;

internal sealed partial class SyncEngine
{
    /// <summary>
    /// Peer mode, first open of an attachment whose body is not stored here: fetches the body of
    /// <paramref name="stub"/> (manifest, then the missing chunks) from a mirror into the database's
    /// <c>DocumentStore.Attachments</c> store. True when the body is now stored locally (<see cref="AttachmentStore.HasBody"/>);
    /// false when no mirror is configured or reachable, or none has it.
    /// </summary>
    /// <param name="id">The record id (for errors and progress).</param>
    /// <param name="name">The attachment name (for errors and progress).</param>
    /// <param name="stub">The stub whose body is wanted.</param>
    /// <param name="ct">Cancels the fetch.</param>
    public Task<bool> FetchAttachmentAsync(string id, string name, AttachmentStub stub, CancellationToken ct)
    {
        // Stub: A3 (att-sync) implements the transfer.
        _ = id;
        _ = name;
        _ = stub;
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(false);
    }
}
