using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Attachments;

/// <summary>The attachment digests the records of this silo's copy of a database refer to.</summary>
internal static class MirrorStubs
{
    private static readonly byte[] Marker = "\"_attachments\""u8.ToArray();

    /// <summary>True when a stored body may carry stubs (a cheap byte search before any parse).</summary>
    public static bool MayHaveStubs(ReadOnlySpan<byte> body) => body.Length > 2 && body.IndexOf(Marker) >= 0;

    /// <summary>
    /// Every digest named by a leaf of a record of <paramref name="database"/> (winner and losers); with
    /// <paramref name="includeHistory"/> also by the past revisions whose bodies the records keep (what collection must keep);
    /// with <paramref name="only"/> only of the records it accepts (by id).
    /// </summary>
    public static async Task<HashSet<string>> DigestsAsync(MirrorStore store, string database, bool includeHistory, CancellationToken cancellationToken,
        Func<string, bool>? only = null)
    {
        var digests = new HashSet<string>(StringComparer.Ordinal);
        for (int segment = 0; segment < IndexSegment.Count; segment++)
        {
            foreach (var entry in store.Index.RawEntries(database, segment))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (only is not null && !only(entry.Id)) continue;
                var record = await store.ReadRecordAsync(database, entry.Id, cancellationToken).ConfigureAwait(false);
                if (record is null) continue;
                foreach (var leaf in record.Leaves) Add(digests, leaf.Body.Span, leaf.Body);
                if (!includeHistory) continue;
                foreach (var past in record.History)
                {
                    if (past.Body is { } body) Add(digests, body.Span, body);
                }
            }
        }
        return digests;
    }

    /// <summary>The digests a body names (none when it has no valid stubs).</summary>
    public static IEnumerable<string> Of(ReadOnlyMemory<byte> body) =>
        MayHaveStubs(body.Span) ? AttachmentStubs.Digests(body) : [];

    private static void Add(HashSet<string> digests, ReadOnlySpan<byte> span, ReadOnlyMemory<byte> body)
    {
        if (!MayHaveStubs(span)) return;
        foreach (var digest in AttachmentStubs.Digests(body)) digests.Add(digest);
    }
}
