using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Sync;

/// <summary>
/// One leaf as a record batch carries it (<see cref="RecordBatch"/> version 2): its revision, tombstone flag, stamp and
/// kind, field stamps, and either its whole ancestry and body or, when <see cref="Relative"/>, only the ancestors newer than a base
/// revision the receiver holds (the base last; none when the leaf is the base itself) and, when <see cref="IsDelta"/>,
/// its body as a <see cref="BodyDelta"/> against the base's body. The receiver rebuilds the leaf with
/// <see cref="DeltaLeaves.TryResolve"/>. Never carries history.
/// </summary>
internal sealed record BatchLeaf(Revision Rev, bool Deleted, long Stamp, EditKind Kind, Revision[] Ancestry, ReadOnlyMemory<byte> Body, bool Relative, bool IsDelta)
{
    /// <summary>The revision the ancestry and delta are relative to: the last ancestor sent, or the leaf itself when none was.</summary>
    public Revision Base => Ancestry.Length > 0 ? Ancestry[^1] : Rev;

    /// <summary>The leaf's <see cref="RevisionLeaf.FieldStamps"/> (empty: none).</summary>
    public ReadOnlyMemory<byte> FieldStamps { get; init; }

    /// <summary>A leaf sent whole: full ancestry and body.</summary>
    public static BatchLeaf Whole(RevisionLeaf leaf) => new(leaf.Rev, leaf.Deleted, leaf.Stamp, leaf.Kind, leaf.Ancestry, leaf.Body, Relative: false, IsDelta: false) { FieldStamps = leaf.FieldStamps };

    /// <summary>The leaf itself when sent whole (null when relative: it needs the receiver's record).</summary>
    public RevisionLeaf? AsWholeLeaf() => Relative ? null : new RevisionLeaf(Rev, Deleted, Ancestry, Body) { Stamp = Stamp, Kind = Kind, FieldStamps = FieldStamps };
}
