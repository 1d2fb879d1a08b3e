using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Sync;

/// <summary>
/// Delta sync (DESIGN §8, issue 13): a sender makes each leaf relative to a revision the receiver holds (ancestry down to
/// it, body as a <see cref="BodyDelta"/> against its body when that is smaller); the receiver splices its own ancestry of
/// that base back on, applies the delta to its body of the base and checks that the revision derives from its parent and
/// content. Any failure means "send it whole" (a peer re-fetches; a mirror answers <c>need_whole</c>).
/// </summary>
internal static class DeltaLeaves
{
    /// <summary>
    /// The record's leaves relative to the base <paramref name="baseOf"/> names per leaf (an empty revision: whole).
    /// A leaf is relative when the base is the leaf or one of its recorded ancestors; its body is a delta when this
    /// replica holds the base's body and the delta is smaller than the body.
    /// </summary>
    public static BatchRecord Against(DocumentRecord record, Func<RevisionLeaf, Revision> baseOf)
    {
        var leaves = new BatchLeaf[record.Leaves.Count];
        for (int i = 0; i < leaves.Length; i++)
        {
            var leaf = record.Leaves[i];
            var @base = baseOf(leaf);
            int at = @base.IsEmpty ? -1 : leaf.Rev == @base ? 0 : Array.IndexOf(leaf.Ancestry, @base) + 1;
            if (at < 0 || (at == 0 && leaf.Rev != @base))
            {
                leaves[i] = BatchLeaf.Whole(leaf);
                continue;
            }
            var ancestry = leaf.Ancestry[..at];
            ReadOnlyMemory<byte> body = leaf.Body;
            bool delta = false;
            if (leaf.Body.Length > 0 && RecordHistory.TryGetBody(record, @base, out var baseBody, out _))
            {
                var d = BodyDelta.Create(baseBody.Span, leaf.Body.Span);
                if (d.Length < leaf.Body.Length)
                {
                    body = d;
                    delta = true;
                }
            }
            leaves[i] = new BatchLeaf(leaf.Rev, leaf.Deleted, leaf.Stamp, leaf.Kind, ancestry, body, Relative: true, IsDelta: delta) { FieldStamps = leaf.FieldStamps };
        }
        return new BatchRecord(record.Id, leaves);
    }

    /// <summary>The record's leaves relative to <paramref name="held"/> (the receiver's revision; empty: all whole).</summary>
    public static BatchRecord Against(DocumentRecord record, Revision held) => Against(record, _ => held);

    /// <summary>
    /// Rebuilds a received leaf against the receiver's record <paramref name="held"/>: a whole leaf as it is, a relative one
    /// with the base's stored ancestry spliced on and its body from the delta. A relative leaf must derive from its parent
    /// and content and its ancestry must have consecutive generations.
    /// </summary>
    /// <param name="held">The receiver's record (null when it holds none).</param>
    /// <param name="wire">The leaf as received.</param>
    /// <param name="leaf">The rebuilt leaf.</param>
    /// <param name="missingBase">True when the failure is that the receiver lacks the base (or its body): send it whole.</param>
    /// <param name="problem">Why it failed.</param>
    public static bool TryResolve(DocumentRecord? held, BatchLeaf wire, out RevisionLeaf leaf, out bool missingBase, out string problem)
    {
        leaf = null!;
        missingBase = false;
        problem = "";
        if (wire.AsWholeLeaf() is { } whole)
        {
            leaf = whole;
            return true;
        }
        var @base = wire.Base;
        if (held is null || !TryAncestryOf(held, @base, out var baseAncestry))
        {
            missingBase = true;
            problem = $"the base revision '{@base}' is not held here";
            return false;
        }
        Revision[] ancestry;
        if (wire.Ancestry.Length == 0)
        {
            ancestry = baseAncestry;
        }
        else
        {
            int n = Math.Min(RevisionLeaf.PendingAncestryLimit, wire.Ancestry.Length + baseAncestry.Length);
            ancestry = new Revision[n];
            Array.Copy(wire.Ancestry, ancestry, Math.Min(n, wire.Ancestry.Length));
            if (n > wire.Ancestry.Length) Array.Copy(baseAncestry, 0, ancestry, wire.Ancestry.Length, n - wire.Ancestry.Length);
        }
        for (int i = 0; i < ancestry.Length; i++)
        {
            if (ancestry[i].Generation != wire.Rev.Generation - 1 - i)
            {
                problem = $"ancestor {i} '{ancestry[i]}' of '{wire.Rev}' is not of generation {wire.Rev.Generation - 1 - i}";
                return false;
            }
        }
        ReadOnlyMemory<byte> body = wire.Body;
        if (wire.IsDelta)
        {
            if (!RecordHistory.TryGetBody(held, @base, out var baseBody, out _))
            {
                missingBase = true;
                problem = $"the body of the base revision '{@base}' is no longer kept here";
                return false;
            }
            try
            {
                body = BodyDelta.Apply(baseBody.Span, wire.Body.Span);
            }
            catch (FormatException e)
            {
                problem = $"the delta of '{wire.Rev}' does not apply: {e.Message}";
                return false;
            }
        }
        if (wire.Deleted && body.Length != 0)
        {
            problem = "a tombstone has no content";
            return false;
        }
        leaf = new RevisionLeaf(wire.Rev, wire.Deleted, ancestry, body) { Stamp = wire.Stamp, Kind = wire.Kind, FieldStamps = wire.FieldStamps };
        if (!DocumentRules.DerivesFromParent(leaf))
        {
            problem = $"revision '{wire.Rev}' does not match its parent and content";
            leaf = null!;
            return false;
        }
        return true;
    }

    /// <summary>The stored ancestry of <paramref name="rev"/>: a leaf's own, or the part of a leaf's ancestry below it.</summary>
    public static bool TryAncestryOf(DocumentRecord record, Revision rev, out Revision[] ancestry)
    {
        foreach (var l in record.Leaves)
        {
            if (l.Rev == rev)
            {
                ancestry = l.Ancestry;
                return true;
            }
        }
        foreach (var l in record.Leaves)
        {
            int i = Array.IndexOf(l.Ancestry, rev);
            if (i >= 0)
            {
                ancestry = l.Ancestry[(i + 1)..];
                return true;
            }
        }
        ancestry = [];
        return false;
    }
}
