using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Records;

/// <summary>Converts revision leaves to and from their wire form, validating what comes from outside.</summary>
internal static class LeafWire
{
    public static ReplicatedRevision ToWire(RevisionLeaf leaf) => new(
        leaf.Rev.ToString(), leaf.Deleted, [.. leaf.Ancestry.Select(a => a.ToString())], leaf.Body.ToArray());

    public static ReplicatedRevision[] ToWire(DocumentRecord? record) =>
        record is null ? [] : [.. record.Leaves.Select(ToWire)];

    /// <summary>
    /// Parses a wire revision, keeping up to <see cref="RevisionLeaf.PendingAncestryLimit"/> ancestors (a peer's
    /// offline edits; storing trims them). With <paramref name="verify"/> (revisions from outside the cluster) the
    /// body must pass <see cref="DocumentCodec.ValidateBody"/> (empty for a tombstone) and the revision must derive
    /// from its parent and content (<see cref="DocumentRules.DerivesFromParent"/>).
    /// </summary>
    public static bool TryFromWire(ReplicatedRevision wire, bool verify, out RevisionLeaf leaf, out string problem, int maxDocumentSize = int.MaxValue)
    {
        leaf = null!;
        problem = "";
        if (!Revision.TryParse(wire.Rev, out var rev))
        {
            problem = $"'{wire.Rev}' is not a revision";
            return false;
        }
        var ancestry = new Revision[Math.Min(wire.Ancestry?.Length ?? 0, RevisionLeaf.PendingAncestryLimit)];
        for (int i = 0; i < ancestry.Length; i++)
        {
            if (!Revision.TryParse(wire.Ancestry![i], out ancestry[i]) || ancestry[i].Generation != rev.Generation - 1 - i)
            {
                problem = $"ancestor {i} '{wire.Ancestry![i]}' of '{wire.Rev}' is not a revision of generation {rev.Generation - 1 - i}";
                return false;
            }
        }
        var body = wire.Body ?? [];
        leaf = new RevisionLeaf(rev, wire.Deleted, ancestry, body);
        if (!verify) return true;
        if (wire.Deleted && body.Length != 0)
        {
            problem = "a tombstone has no content";
            return false;
        }
        if (!wire.Deleted)
        {
            try
            {
                DocumentCodec.ValidateBody(body, maxDocumentSize);
            }
            catch (DocumentFormatException e)
            {
                problem = e.Message;
                return false;
            }
        }
        if (!DocumentRules.DerivesFromParent(leaf))
        {
            problem = $"revision '{wire.Rev}' does not match its parent and content";
            return false;
        }
        return true;
    }
}
