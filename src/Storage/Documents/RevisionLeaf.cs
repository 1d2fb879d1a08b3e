namespace MyNoSql.Storage.Documents;

/// <summary>
/// One leaf of a record's revision tree: the revision, whether it is a tombstone, its recent ancestry
/// (parents, newest first, excluding itself) and the content (UTF-8 JSON object without <c>id</c>/<c>rev</c>;
/// empty for a tombstone).
/// </summary>
internal sealed record RevisionLeaf(Revision Rev, bool Deleted, Revision[] Ancestry, ReadOnlyMemory<byte> Body)
{
    /// <summary>How many ancestors travel with a revision. A peer that made more edits than this offline
    /// than the replica saw is treated as a conflict, never as an overwrite.</summary>
    public const int AncestryLimit = 20;

    /// <summary>The leaf that follows <paramref name="parent"/> (null for a creation) with new content.</summary>
    public static RevisionLeaf Child(RevisionLeaf? parent, bool deleted, ReadOnlyMemory<byte> body)
    {
        var rev = Revision.Next(parent?.Rev ?? default, deleted, body.Span);
        if (parent is null) return new RevisionLeaf(rev, deleted, [], body);
        int n = Math.Min(AncestryLimit, parent.Ancestry.Length + 1);
        var ancestry = new Revision[n];
        ancestry[0] = parent.Rev;
        Array.Copy(parent.Ancestry, 0, ancestry, 1, n - 1);
        return new RevisionLeaf(rev, deleted, ancestry, body);
    }

    /// <summary>True when <paramref name="rev"/> is this leaf or one of its recorded ancestors.</summary>
    public bool Knows(Revision rev) => Rev == rev || Array.IndexOf(Ancestry, rev) >= 0;
}
