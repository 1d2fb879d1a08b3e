namespace MyNoSql.Storage.Documents;

/// <summary>
/// One leaf of a record's revision tree: the revision, whether it is a tombstone, its recent ancestry
/// (parents, newest first, excluding itself) and the content (UTF-8 JSON object without <c>id</c>/<c>rev</c>;
/// empty for a tombstone). <see cref="Stamp"/> and <see cref="Kind"/> are metadata that travel with the leaf but are
/// not part of its revision hash (two replicas making the same edit still agree on the revision).
/// </summary>
internal sealed record RevisionLeaf(Revision Rev, bool Deleted, Revision[] Ancestry, ReadOnlyMemory<byte> Body)
{
    /// <summary>The <see cref="HybridClock"/> stamp of the replica that made this revision (0: unknown).</summary>
    public long Stamp { get; init; }

    /// <summary>What made this revision.</summary>
    public EditKind Kind { get; init; }

    /// <summary>When each tracked field was last written on this leaf's line (<see cref="Documents.FieldStamps"/>;
    /// empty: none tracked). Metadata like <see cref="Stamp"/>: not part of the revision hash.</summary>
    public ReadOnlyMemory<byte> FieldStamps { get; init; }

    /// <summary>
    /// How many ancestors a stored (acknowledged) revision keeps and replication between mirrors carries (DESIGN §8: up to
    /// 100 edits of a record made elsewhere between two syncs are still recognised as descendants, not conflicts; delta
    /// sync sends only the ancestors newer than what the receiver holds, so the longer ancestry costs little on the wire).
    /// </summary>
    public const int AncestryLimit = 100;

    /// <summary>
    /// How many ancestors an edit keeps while its record is pending (not yet acknowledged by a mirror), as CouchDB's
    /// revs_limit: the ancestry then reaches back to what a mirror last acknowledged, so many offline edits push as one
    /// descendant. A peer that made more edits than this offline is treated as a conflict, never as an overwrite.
    /// Also the longest ancestry a receiver accepts.
    /// </summary>
    public const int PendingAncestryLimit = 1000;

    /// <summary>The leaf that follows <paramref name="parent"/> (null for a creation) with new content.</summary>
    /// <param name="parent">The parent leaf, or null for a creation.</param>
    /// <param name="deleted">True for a tombstone.</param>
    /// <param name="body">The content (empty for a tombstone).</param>
    /// <param name="pending">True when the parent is itself an unacknowledged local edit: the ancestry grows up to
    /// <see cref="PendingAncestryLimit"/> instead of <see cref="AncestryLimit"/>.</param>
    /// <param name="stamp">The new leaf's <see cref="Stamp"/>.</param>
    /// <param name="kind">The new leaf's <see cref="Kind"/>.</param>
    /// <param name="tracked">The fields whose write times the new live leaf carries (<see cref="FieldStamps"/>); null: none.</param>
    public static RevisionLeaf Child(RevisionLeaf? parent, bool deleted, ReadOnlyMemory<byte> body, bool pending = false, long stamp = 0, EditKind kind = EditKind.Save, IReadOnlyList<string>? tracked = null)
    {
        var rev = Revision.Next(parent?.Rev ?? default, deleted, body.Span);
        var fieldStamps = deleted ? default : Documents.FieldStamps.ForChild(parent, body, stamp, tracked);
        if (parent is null) return new RevisionLeaf(rev, deleted, [], body) { Stamp = stamp, Kind = kind, FieldStamps = fieldStamps };
        int n = Math.Min(pending ? PendingAncestryLimit : AncestryLimit, parent.Ancestry.Length + 1);
        var ancestry = new Revision[n];
        ancestry[0] = parent.Rev;
        Array.Copy(parent.Ancestry, 0, ancestry, 1, n - 1);
        return new RevisionLeaf(rev, deleted, ancestry, body) { Stamp = stamp, Kind = kind, FieldStamps = fieldStamps };
    }

    /// <summary>The parent revision (the first ancestor); <c>default</c> for a creation or when the ancestry is unknown.</summary>
    public Revision Parent => Ancestry.Length > 0 ? Ancestry[0] : default;

    /// <summary>This leaf with its ancestry cut to <see cref="AncestryLimit"/> (itself when already that short), as stored.</summary>
    public RevisionLeaf Trimmed() => Ancestry.Length <= AncestryLimit ? this : this with { Ancestry = Ancestry[..AncestryLimit] };

    /// <summary>True when <paramref name="rev"/> is this leaf or one of its recorded ancestors.</summary>
    public bool Knows(Revision rev) => Rev == rev || Array.IndexOf(Ancestry, rev) >= 0;
}
