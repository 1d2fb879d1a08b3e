namespace MyNoSql.Storage.Documents;

/// <summary>Result of <see cref="DocumentRules.Merge"/> for a revision received from another replica.</summary>
internal enum MergeResult
{
    /// <summary>New, and a descendant of what was stored (or the record was new): it replaced its ancestors.</summary>
    Accepted,
    /// <summary>The revision (or a descendant of it) is already stored; nothing changes.</summary>
    AlreadyKnown,
    /// <summary>A concurrent edit: kept as another leaf; the deterministic winner may have changed.</summary>
    Conflict,
}

/// <summary>A save's new record and the leaf it wrote (or the current winner when nothing changed).</summary>
internal readonly record struct SaveOutcome(DocumentRecord Record, RevisionLeaf Leaf, bool Changed);

/// <summary>A merge's result and the record to store (unchanged for <see cref="MergeResult.AlreadyKnown"/>).</summary>
internal readonly record struct MergeOutcome(MergeResult Result, DocumentRecord Record);

/// <summary>
/// The savedoc, delete and replication rules of DESIGN §2 as pure functions over <see cref="DocumentRecord"/>,
/// shared by the peer engine and the record grains so every replica decides the same way.
/// </summary>
internal static class DocumentRules
{
    /// <summary>savedoc. <paramref name="givenRev"/> is the caller's <c>rev</c> text (null when missing).</summary>
    /// <exception cref="RevisionConflictException">The record is live and <paramref name="givenRev"/> is not its current revision.</exception>
    public static SaveOutcome Save(string database, DocumentRecord? current, string id, string? givenRev, ReadOnlyMemory<byte> body)
    {
        if (current is null)
        {
            var created = RevisionLeaf.Child(null, deleted: false, body);
            return new SaveOutcome(DocumentRecord.Create(id, [created]), created, true);
        }
        var winner = current.Winner;
        if (winner.Deleted)
        {
            // Re-creating a deleted record descends from its tombstone, so replicas see a newer revision, not a conflict.
            var recreated = RevisionLeaf.Child(winner, deleted: false, body);
            return new SaveOutcome(Replace(current, winner, recreated), recreated, true);
        }
        if (!Revision.TryParse(givenRev, out var given) || given != winner.Rev)
            throw new RevisionConflictException(database, id, givenRev, winner.Rev.ToString());
        if (winner.Body.Span.SequenceEqual(body.Span))
            return new SaveOutcome(current, winner, false);
        var next = RevisionLeaf.Child(winner, deleted: false, body);
        return new SaveOutcome(Replace(current, winner, next), next, true);
    }

    /// <summary>
    /// Deletes the winner (rev = current revision) or resolves a conflict (rev = a losing leaf) by writing a
    /// tombstone that descends from it.
    /// </summary>
    /// <exception cref="DocumentNotFoundException">No such record, or it is already deleted.</exception>
    /// <exception cref="RevisionConflictException">The revision is neither the current one nor a conflict.</exception>
    public static SaveOutcome Delete(string database, DocumentRecord? current, string id, string? givenRev)
    {
        if (current is null) throw new DocumentNotFoundException(database, id);
        if (Revision.TryParse(givenRev, out var given))
        {
            foreach (var leaf in current.Leaves)
            {
                if (leaf.Rev == given && !leaf.Deleted)
                {
                    var tombstone = RevisionLeaf.Child(leaf, deleted: true, ReadOnlyMemory<byte>.Empty);
                    return new SaveOutcome(Replace(current, leaf, tombstone), tombstone, true);
                }
            }
        }
        if (current.Winner.Deleted) throw new DocumentNotFoundException(database, id);
        throw new RevisionConflictException(database, id, givenRev, current.Winner.Rev.ToString());
    }

    /// <summary>Applies a revision that carries its ancestry, as replication does.</summary>
    public static MergeOutcome Merge(DocumentRecord? current, string id, RevisionLeaf incoming)
    {
        if (current is null) return new MergeOutcome(MergeResult.Accepted, DocumentRecord.Create(id, [incoming]));
        foreach (var leaf in current.Leaves)
        {
            if (leaf.Knows(incoming.Rev)) return new MergeOutcome(MergeResult.AlreadyKnown, current);
        }
        var kept = current.Leaves.Where(l => !incoming.Knows(l.Rev)).ToList();
        bool descends = kept.Count < current.Leaves.Count;
        kept.Add(incoming);
        return new MergeOutcome(descends ? MergeResult.Accepted : MergeResult.Conflict, DocumentRecord.Create(id, kept));
    }

    private static DocumentRecord Replace(DocumentRecord current, RevisionLeaf old, RevisionLeaf replacement) =>
        DocumentRecord.Create(current.Id, current.Leaves.Where(l => !ReferenceEquals(l, old)).Append(replacement));
}
