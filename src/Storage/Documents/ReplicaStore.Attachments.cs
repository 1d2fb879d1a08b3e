using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Documents;

internal sealed partial class ReplicaStore
{
    /// <summary>
    /// The attachment digests every kept revision refers to: the stubs of each record's leaves (winner and losers) and of
    /// the past revisions its history keeps with their bodies. The live set of <see cref="AttachmentStore.CollectAsync"/>:
    /// a body leaves the store only once no kept revision names it. Writes during the scan may be missed; the store's
    /// grace period covers them (their manifests are young).
    /// </summary>
    /// <exception cref="CorruptDataException">A record's stored bytes are damaged (collection must not go on without them).</exception>
    public async Task<HashSet<string>> LiveAttachmentDigestsAsync(CancellationToken cancellationToken = default)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        var gate = new Lock();
        await Records.ScanAsync((in RecordHeader header, ReadOnlyMemory<byte> payload) =>
        {
            if (payload.IsEmpty || IsCleared(header.Revision, header.Flags)) return;
            DocumentRecord record;
            List<string>? found = null;
            try
            {
                record = DocumentRecord.Decode(header.Key, payload, header.Revision);
                foreach (var leaf in record.Leaves)
                {
                    if (!leaf.Deleted) Collect(leaf.Body, ref found);
                }
                foreach (var entry in record.History)
                {
                    if (entry.Body is { } body && !entry.Deleted) Collect(body, ref found);
                }
            }
            catch (FormatException e)
            {
                throw new CorruptDataException(Records.Directory, 0, $"{_context}, record '{header.Key}': {e.Message}", e);
            }
            if (found is null) return;
            lock (gate) live.UnionWith(found);
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return live;
    }

    private static void Collect(ReadOnlyMemory<byte> body, ref List<string>? found)
    {
        if (!DocumentRules.HasStubs(body.Span)) return;
        foreach (string digest in AttachmentStubs.Digests(body)) (found ??= []).Add(digest);
    }
}
