using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Grains.Records;

/// <summary>Converts revision leaves to and from their wire form, validating what comes from outside.</summary>
internal static class LeafWire
{
    public static ReplicatedRevision ToWire(RevisionLeaf leaf) => new(
        leaf.Rev.ToString(), leaf.Deleted, [.. leaf.Ancestry.Select(a => a.ToString())], leaf.Body.ToArray())
    {
        Stamp = leaf.Stamp,
        Kind = (byte)leaf.Kind,
        FieldStamps = leaf.FieldStamps.IsEmpty ? null : leaf.FieldStamps.ToArray(),
    };

    public static ReplicatedRevision[] ToWire(DocumentRecord? record) =>
        record is null ? [] : [.. record.Leaves.Select(ToWire)];

    /// <summary>A batch leaf (whole or relative to a base) in wire form.</summary>
    public static ReplicatedRevision ToWire(BatchLeaf leaf) => new(
        leaf.Rev.ToString(), leaf.Deleted, [.. leaf.Ancestry.Select(a => a.ToString())], leaf.Body.ToArray())
    {
        Stamp = leaf.Stamp,
        Kind = (byte)leaf.Kind,
        BaseRev = leaf.Relative ? leaf.Base.ToString() : null,
        BodyIsDelta = leaf.IsDelta,
        FieldStamps = leaf.FieldStamps.IsEmpty ? null : leaf.FieldStamps.ToArray(),
    };

    public static ReplicatedRevision[] ToWire(BatchRecord record) => [.. record.Leaves.Select(ToWire)];

    /// <summary>
    /// Parses a wire revision that may be relative to a base (delta sync) into a batch leaf: revision texts, the relative
    /// ancestry's generations (down to the base, which must be the last ancestor or the revision itself), stamp and kind.
    /// Bodies are checked once rebuilt (<see cref="TryFromWire"/>).
    /// </summary>
    public static bool TryToBatch(ReplicatedRevision wire, out BatchLeaf leaf, out string problem)
    {
        leaf = null!;
        if (!TryParseCommon(wire, out var rev, out var ancestry, out problem)) return false;
        if (wire.BaseRev is not null)
        {
            var expected = ancestry.Length > 0 ? ancestry[^1] : rev;
            if (!Revision.TryParse(wire.BaseRev, out var @base) || @base != expected)
            {
                problem = $"base '{wire.BaseRev}' of '{wire.Rev}' is not its last ancestor sent";
                return false;
            }
        }
        else if (wire.BodyIsDelta)
        {
            problem = $"'{wire.Rev}' has a delta body but no base";
            return false;
        }
        leaf = new BatchLeaf(rev, wire.Deleted, wire.Stamp, (EditKind)wire.Kind, ancestry, wire.Body ?? [], wire.BaseRev is not null, wire.BodyIsDelta)
        {
            FieldStamps = wire.FieldStamps ?? [],
        };
        return true;
    }

    /// <summary>
    /// Parses a whole wire revision, keeping up to <see cref="RevisionLeaf.PendingAncestryLimit"/> ancestors (a peer's
    /// offline edits; storing trims them). A revision relative to a base (<see cref="ReplicatedRevision.BaseRev"/>) is
    /// refused: it needs rebuilding against the record first (<see cref="DeltaLeaves.TryResolve"/>). With
    /// <paramref name="verify"/> (revisions from outside the cluster) the body must pass
    /// <see cref="DocumentCodec.ValidateBody"/> (empty for a tombstone) and the revision must derive from its parent and
    /// content (<see cref="DocumentRules.DerivesFromParent"/>) unless <paramref name="requireDerived"/> is false (a revision
    /// another system made, e.g. PouchDB through <c>/couch</c>: its hash is not ours to recompute, src/Silo/Couch/README.md).
    /// </summary>
    public static bool TryFromWire(ReplicatedRevision wire, bool verify, out RevisionLeaf leaf, out string problem, int maxDocumentSize = int.MaxValue, bool requireDerived = true)
    {
        leaf = null!;
        if (!TryParseCommon(wire, out var rev, out var ancestry, out problem)) return false;
        if (wire.BaseRev is not null || wire.BodyIsDelta)
        {
            problem = $"'{wire.Rev}' is relative to base '{wire.BaseRev}' and was not rebuilt";
            return false;
        }
        var body = wire.Body ?? [];
        leaf = new RevisionLeaf(rev, wire.Deleted, ancestry, body) { Stamp = wire.Stamp, Kind = (EditKind)wire.Kind, FieldStamps = wire.FieldStamps ?? [] };
        if (!verify) return true;
        return Verify(leaf, out problem, maxDocumentSize, requireDerived);
    }

    /// <summary>The checks of a revision from outside the cluster: a JSON object body (none for a tombstone) that, with the
    /// parent, hashes to the revision (unless <paramref name="requireDerived"/> is false: a foreign revision).</summary>
    public static bool Verify(RevisionLeaf leaf, out string problem, int maxDocumentSize = int.MaxValue, bool requireDerived = true)
    {
        problem = "";
        if (leaf.Deleted && leaf.Body.Length != 0)
        {
            problem = "a tombstone has no content";
            return false;
        }
        if (!leaf.Deleted)
        {
            try
            {
                DocumentCodec.ValidateBody(leaf.Body, maxDocumentSize);
            }
            catch (DocumentFormatException e)
            {
                problem = e.Message;
                return false;
            }
        }
        if (requireDerived && !DocumentRules.DerivesFromParent(leaf))
        {
            problem = $"revision '{leaf.Rev}' does not match its parent and content";
            return false;
        }
        return true;
    }

    private static bool TryParseCommon(ReplicatedRevision wire, out Revision rev, out Revision[] ancestry, out string problem)
    {
        problem = "";
        ancestry = [];
        if (!Revision.TryParse(wire.Rev, out rev))
        {
            problem = $"'{wire.Rev}' is not a revision";
            return false;
        }
        if (!Enum.IsDefined((EditKind)wire.Kind) || wire.Stamp < 0)
        {
            problem = $"'{wire.Rev}' has an unknown kind {wire.Kind} or a negative stamp";
            return false;
        }
        if (wire.FieldStamps is { } fieldStamps && !FieldStamps.IsValid(fieldStamps))
        {
            problem = $"'{wire.Rev}' has malformed field stamps";
            return false;
        }
        ancestry = new Revision[Math.Min(wire.Ancestry?.Length ?? 0, RevisionLeaf.PendingAncestryLimit)];
        for (int i = 0; i < ancestry.Length; i++)
        {
            if (!Revision.TryParse(wire.Ancestry![i], out ancestry[i]) || ancestry[i].Generation != rev.Generation - 1 - i)
            {
                problem = $"ancestor {i} '{wire.Ancestry![i]}' of '{wire.Rev}' is not a revision of generation {rev.Generation - 1 - i}";
                return false;
            }
        }
        return true;
    }
}
