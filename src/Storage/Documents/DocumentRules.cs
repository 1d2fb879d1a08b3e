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
internal static partial class DocumentRules
{
    /// <summary>savedoc. <paramref name="givenRev"/> is the caller's <c>rev</c> text (null when missing).</summary>
    /// <param name="database">The database name, for errors.</param>
    /// <param name="current">The stored record, or null.</param>
    /// <param name="id">The record id.</param>
    /// <param name="givenRev">The caller's <c>rev</c> text (null when missing).</param>
    /// <param name="body">The new content.</param>
    /// <param name="pending">True when <paramref name="current"/> holds edits no mirror acknowledged yet (a peer's
    /// outbox): the new leaf's ancestry then keeps growing (<see cref="RevisionLeaf.PendingAncestryLimit"/>).</param>
    /// <param name="edit">Stamp, kind and history depth of the new revision (null: <see cref="EditContext.Default"/>).</param>
    /// <exception cref="RevisionConflictException">The record is live and <paramref name="givenRev"/> is not its current
    /// revision, or it is deleted and <paramref name="givenRev"/> is a well-formed revision other than its tombstone's.</exception>
    /// <exception cref="DocumentFormatException">The body's <c>_attachments</c> differs from the current revision's stubs
    /// (attachments change only through the attachment API; a body without <c>_attachments</c> keeps them).</exception>
    public static SaveOutcome Save(string database, DocumentRecord? current, string id, string? givenRev, ReadOnlyMemory<byte> body, bool pending = false, EditContext? edit = null) =>
        SaveBody(database, current, id, givenRev, CarryAttachments(database, current, id, body), pending, edit);

    /// <summary><see cref="Save"/> of a body whose attachment stubs are already decided (the attachment API's writes).</summary>
    private static SaveOutcome SaveBody(string database, DocumentRecord? current, string id, string? givenRev, ReadOnlyMemory<byte> body, bool pending, EditContext? edit)
    {
        var e = edit ?? EditContext.Default;
        if (current is null)
        {
            var created = RevisionLeaf.Child(null, deleted: false, body, stamp: e.Stamp, kind: e.Kind, tracked: e.Tracked);
            return new SaveOutcome(DocumentRecord.Create(id, [created]), created, true);
        }
        var winner = current.Winner;
        if (winner.Deleted)
        {
            // A writer holding a revision from before the delete has not seen it: as CouchDB, a conflict, so two writers
            // given the same rev (one deleting, one saving) never both succeed. A missing or malformed rev (§2) and the
            // tombstone's own re-create it.
            if (IsStaleOnDeleted(winner.Rev, givenRev))
                throw new RevisionConflictException(database, id, givenRev, winner.Rev.ToString());
            // Re-creating a deleted record descends from its tombstone, so replicas see a newer revision, not a conflict.
            var recreated = RevisionLeaf.Child(winner, deleted: false, body, pending, e.Stamp, e.Kind, e.Tracked);
            return new SaveOutcome(Replace(current, winner, recreated, pending, e.HistoryDepth), recreated, true);
        }
        if (!Revision.TryParse(givenRev, out var given) || given != winner.Rev)
            throw new RevisionConflictException(database, id, givenRev, winner.Rev.ToString());
        if (winner.Body.Span.SequenceEqual(body.Span))
            return new SaveOutcome(current, winner, false);
        var next = RevisionLeaf.Child(winner, deleted: false, body, pending, e.Stamp, e.Kind, e.Tracked);
        return new SaveOutcome(Replace(current, winner, next, pending, e.HistoryDepth), next, true);
    }

    /// <summary>
    /// Deletes the winner (rev = current revision) or resolves a conflict (rev = a losing leaf) by writing a
    /// tombstone that descends from it.
    /// </summary>
    /// <exception cref="DocumentNotFoundException">No such record, or it is already deleted (and <paramref name="givenRev"/>
    /// is missing, malformed or the tombstone's).</exception>
    /// <exception cref="RevisionConflictException">The revision is neither the current one nor a conflict (on a deleted
    /// record too: a writer holding a revision from before the delete has not seen it).</exception>
    /// <param name="database">The database name, for errors.</param>
    /// <param name="current">The stored record, or null.</param>
    /// <param name="id">The record id.</param>
    /// <param name="givenRev">The caller's <c>rev</c> text (null when missing).</param>
    /// <param name="pending">As for <see cref="Save"/>.</param>
    /// <param name="edit">As for <see cref="Save"/>.</param>
    public static SaveOutcome Delete(string database, DocumentRecord? current, string id, string? givenRev, bool pending = false, EditContext? edit = null)
    {
        if (current is null) throw new DocumentNotFoundException(database, id);
        var e = edit ?? EditContext.Default;
        if (Revision.TryParse(givenRev, out var given))
        {
            foreach (var leaf in current.Leaves)
            {
                if (leaf.Rev == given && !leaf.Deleted)
                {
                    var tombstone = RevisionLeaf.Child(leaf, deleted: true, ReadOnlyMemory<byte>.Empty, pending, e.Stamp, e.Kind);
                    return new SaveOutcome(Replace(current, leaf, tombstone, pending, e.HistoryDepth), tombstone, true);
                }
            }
        }
        if (current.Winner.Deleted && !IsStaleOnDeleted(current.Winner.Rev, givenRev))
            throw new DocumentNotFoundException(database, id);
        throw new RevisionConflictException(database, id, givenRev, current.Winner.Rev.ToString());
    }

    /// <summary>
    /// Applies a revision that carries its ancestry, as replication does. The whole ancestry decides whether it
    /// descends from what is stored; what is stored keeps <see cref="RevisionLeaf.AncestryLimit"/> of it.
    /// </summary>
    /// <param name="current">The stored record, or null.</param>
    /// <param name="id">The record id.</param>
    /// <param name="incoming">The received leaf with its ancestry.</param>
    /// <param name="historyDepth">Bodies kept in history when the incoming leaf replaces a stored one.</param>
    /// <param name="pending">True when the stored record holds unacknowledged local edits (a replaced leaf is then not
    /// <see cref="HistoryEntry.Acked"/>).</param>
    public static MergeOutcome Merge(DocumentRecord? current, string id, RevisionLeaf incoming, int historyDepth = RecordHistory.DefaultDepth, bool pending = false)
    {
        if (current is null) return new MergeOutcome(MergeResult.Accepted, DocumentRecord.Create(id, [incoming.Trimmed()]));
        foreach (var leaf in current.Leaves)
        {
            if (leaf.Knows(incoming.Rev)) return new MergeOutcome(MergeResult.AlreadyKnown, current);
        }
        var kept = new List<RevisionLeaf>(current.Leaves.Count + 1);
        List<HistoryEntry>? replaced = null;
        foreach (var leaf in current.Leaves)
        {
            if (!incoming.Knows(leaf.Rev)) kept.Add(leaf);
            else (replaced ??= []).Add(EntryOf(leaf, pending));
        }
        kept.Add(incoming.Trimmed());
        if (replaced is null) return new MergeOutcome(MergeResult.Conflict, DocumentRecord.Create(id, kept, current.HistoryChain));
        return new MergeOutcome(MergeResult.Accepted, DocumentRecord.Create(id, kept, current.HistoryChain.Prepend(replaced, historyDepth)));
    }

    /// <summary>
    /// Undo (DESIGN §8): a new revision, child of the winner, whose content is the revision the record's undo stack
    /// points at (derived from the kinds of the kept history: after v1→v2→v3, undo gives v2's content, undo again
    /// v1's). Kind <see cref="EditKind.Undo"/>.
    /// </summary>
    /// <exception cref="DocumentNotFoundException">No such record, or it is deleted and nothing is kept to undo to.</exception>
    /// <exception cref="MyNoSqlException">"nothing to undo": the stack is empty or its target's body is no longer kept.</exception>
    public static SaveOutcome Undo(string database, DocumentRecord? current, string id, bool pending = false, EditContext? edit = null) =>
        Step(database, current, id, pending, edit, EditKind.Undo);

    /// <summary>Redo: re-applies what the last undo took back, as a new revision of kind <see cref="EditKind.Redo"/>;
    /// any other save since clears the redo stack.</summary>
    /// <exception cref="DocumentNotFoundException">No such record.</exception>
    /// <exception cref="MyNoSqlException">"nothing to redo".</exception>
    public static SaveOutcome Redo(string database, DocumentRecord? current, string id, bool pending = false, EditContext? edit = null) =>
        Step(database, current, id, pending, edit, EditKind.Redo);

    /// <summary>
    /// The application's manual merge (ResolveConflictAsync): <paramref name="body"/> becomes a child of the winner
    /// (<paramref name="givenRev"/> must be the winner's rev) and every other live leaf is closed by a tombstone, all
    /// in one record (kind <see cref="EditKind.Resolve"/>). Without conflicts it is an ordinary save.
    /// </summary>
    /// <exception cref="DocumentNotFoundException">No such record, or it is deleted.</exception>
    /// <exception cref="RevisionConflictException"><paramref name="givenRev"/> is not the winner's revision.</exception>
    /// <param name="database">The database name, for errors.</param>
    /// <param name="current">The stored record, or null.</param>
    /// <param name="id">The record id.</param>
    /// <param name="givenRev">The winner's rev as the caller gives it.</param>
    /// <param name="body">The merged content.</param>
    /// <param name="pending">As for <see cref="Save"/>.</param>
    /// <param name="edit">As for <see cref="Save"/>.</param>
    /// <param name="merged">True for a merge policy's resolution (<c>ConflictResolver</c>): its body carries the stubs
    /// it merged as ordinary content. False for the application's: the attachment rule of <see cref="Save"/> applies.</param>
    public static SaveOutcome Resolve(string database, DocumentRecord? current, string id, string? givenRev, ReadOnlyMemory<byte> body, bool pending = false, EditContext? edit = null, bool merged = false)
    {
        if (current is null || current.Winner.Deleted) throw new DocumentNotFoundException(database, id);
        if (!merged) body = CarryAttachments(database, current, id, body);
        var e = edit ?? EditContext.Default;
        var winner = current.Winner;
        if (!Revision.TryParse(givenRev, out var given) || given != winner.Rev)
            throw new RevisionConflictException(database, id, givenRev, winner.Rev.ToString());
        if (!current.HasConflicts) return SaveBody(database, current, id, givenRev, body, pending, e with { Kind = EditKind.Save });
        var resolution = RevisionLeaf.Child(winner, deleted: false, body, pending, e.Stamp, EditKind.Resolve, e.Tracked);
        var leaves = new List<RevisionLeaf> { resolution };
        var replaced = new List<HistoryEntry> { EntryOf(winner, pending) };
        foreach (var leaf in current.Leaves.Skip(1))
        {
            if (leaf.Deleted) { leaves.Add(leaf); continue; }
            leaves.Add(RevisionLeaf.Child(leaf, deleted: true, ReadOnlyMemory<byte>.Empty, pending, e.Stamp, EditKind.Resolve));
            replaced.Add(EntryOf(leaf, pending));
        }
        return new SaveOutcome(DocumentRecord.Create(id, leaves, current.HistoryChain.Prepend(replaced, e.HistoryDepth)), resolution, true);
    }

    // Undo and redo (DESIGN §8, decision 3): the stacks are derived from the kinds along the winner's line in the kept
    // history, so they survive a reopen and agree on every replica that keeps the same history.
    private static SaveOutcome Step(string database, DocumentRecord? current, string id, bool pending, EditContext? edit, EditKind kind)
    {
        if (current is null) throw new DocumentNotFoundException(database, id);
        var e = edit ?? EditContext.Default;
        var (undo, redo) = RecordHistory.Stacks(current);
        var stack = kind == EditKind.Undo ? undo : redo;
        if (stack.Count == 0 || stack[^1].Body is not { } body)
        {
            if (current.Winner.Deleted && kind == EditKind.Undo && stack.Count == 0) throw new DocumentNotFoundException(database, id);
            string what = kind == EditKind.Undo ? "undo" : "redo";
            throw new MyNoSqlException($"nothing to {what}: record '{id}' in database '{database}' keeps no revision to {what} to.");
        }
        var target = stack[^1];
        var winner = current.Winner;
        // Undo and redo never change attachments: a live winner's stubs stay (a deleted one's restore the target's).
        var content = target.Deleted ? ReadOnlyMemory<byte>.Empty : winner.Deleted ? body : KeepStubsOf(winner.Body, body);
        var leaf = RevisionLeaf.Child(winner, target.Deleted, content, pending, e.Stamp, kind, e.Tracked);
        return new SaveOutcome(Replace(current, winner, leaf, pending, e.HistoryDepth), leaf, true);
    }

    /// <summary>
    /// The winner order of DESIGN §2 (CouchDB's): a live leaf beats a tombstone, then the higher generation, then the
    /// higher hash. Positive when (<paramref name="aDeleted"/>, <paramref name="a"/>) wins over (<paramref name="bDeleted"/>, <paramref name="b"/>).
    /// The one comparison every winner choice uses (records, index segments).
    /// </summary>
    public static int CompareWinners(bool aDeleted, Revision a, bool bDeleted, Revision b) =>
        aDeleted != bDeleted ? (aDeleted ? -1 : 1) : a.CompareTo(b);

    /// <summary>True when (<paramref name="aDeleted"/>, <paramref name="a"/>) wins over (<paramref name="bDeleted"/>, <paramref name="b"/>): see <see cref="CompareWinners"/>.</summary>
    public static bool Wins(bool aDeleted, Revision a, bool bDeleted, Revision b) => CompareWinners(aDeleted, a, bDeleted, b) > 0;

    /// <summary>Orders leaves winner first (<see cref="CompareWinners"/>, descending).</summary>
    public static IComparer<RevisionLeaf> WinnerFirst { get; } =
        Comparer<RevisionLeaf>.Create((x, y) => CompareWinners(y.Deleted, y.Rev, x.Deleted, x.Rev));

    /// <summary>
    /// Whether <paramref name="leaf"/> derives from its parent and content: its revision is the hash of them. True
    /// when the parent is unknown (generation above 1 without ancestry), since then nothing can be checked.
    /// </summary>
    public static bool DerivesFromParent(RevisionLeaf leaf)
    {
        bool parentKnown = leaf.Rev.Generation == 1 || leaf.Ancestry.Length > 0;
        return !parentKnown || Revision.Next(leaf.Parent, leaf.Deleted, leaf.Body.Span) == leaf.Rev;
    }

    /// <summary>
    /// Whether <paramref name="leaf"/> is what saving <paramref name="body"/> over <paramref name="givenRev"/> writes: a
    /// live leaf whose revision derives from the body and its parent, that parent being the given rev (any parent when
    /// no rev was given or the leaf is a creation: a creation or a re-creation over a tombstone ignores the rev).
    /// </summary>
    public static bool IsSaveOf(RevisionLeaf leaf, string? givenRev, ReadOnlySpan<byte> body)
    {
        if (leaf.Deleted) return false;
        if (givenRev is not null && leaf.Ancestry.Length > 0 && !string.Equals(givenRev, leaf.Parent.ToString(), StringComparison.Ordinal))
            return false;
        if (Revision.Next(leaf.Parent, deleted: false, body) == leaf.Rev) return true;
        // The save kept the stubs the given body left out (or wrote them canonically): compare with them carried.
        return HasStubs(leaf.Body.Span) && Revision.Next(leaf.Parent, deleted: false, KeepStubsOf(leaf.Body, body.ToArray()).Span) == leaf.Rev;
    }

    /// <summary>Whether <paramref name="givenRev"/>, given for a record whose winner is the tombstone
    /// <paramref name="tombstone"/>, is a revision from before the delete: its writer has not seen the delete, so its
    /// write is a conflict (as in CouchDB). A missing or malformed rev, or the tombstone's own, is not.</summary>
    public static bool IsStaleOnDeleted(Revision tombstone, string? givenRev) =>
        Revision.TryParse(givenRev, out var given) && given != tombstone;

    /// <summary>Whether <paramref name="leaf"/> is the tombstone deleting <paramref name="givenRev"/> writes.</summary>
    public static bool IsDeleteOf(RevisionLeaf leaf, string? givenRev) =>
        leaf.Deleted && Revision.TryParse(givenRev, out var given) && TombstoneOf(given) == leaf.Rev;

    /// <summary>The revision of the tombstone that deletes <paramref name="rev"/>.</summary>
    public static Revision TombstoneOf(Revision rev) => Revision.Next(rev, deleted: true, []);

    /// <summary>The history entry of a leaf this replica replaces (acknowledged when the record was not pending).</summary>
    internal static HistoryEntry EntryOf(RevisionLeaf leaf, bool pending) =>
        new(leaf.Rev, leaf.Deleted, leaf.Stamp, leaf.Kind, leaf.Deleted ? ReadOnlyMemory<byte>.Empty : leaf.Body, !pending);

    private static DocumentRecord Replace(DocumentRecord current, RevisionLeaf old, RevisionLeaf replacement, bool pending, int historyDepth) =>
        DocumentRecord.Create(current.Id, current.Leaves.Where(l => !ReferenceEquals(l, old)).Append(replacement),
            current.HistoryChain.Prepend([EntryOf(old, pending)], historyDepth));
}
