namespace MyNoSql.Storage.Documents;

/// <summary>One line of a record's history as the APIs show it (newest first, the current revision first).</summary>
internal readonly record struct HistoryItem(Revision Rev, bool Deleted, long Stamp, bool HasBody);

/// <summary>Reads a record's kept history: the list the APIs show, a kept body by revision, undo and redo targets.</summary>
internal static class RecordHistory
{
    /// <summary>Bodies of this many past revisions are kept per record unless configured (DESIGN §8).</summary>
    public const int DefaultDepth = 20;

    /// <summary>The current winner, then its ancestors newest first (kept ones with their stamp and body flag; older
    /// ancestors from the revision's ancestry without a body).</summary>
    public static IReadOnlyList<HistoryItem> Describe(DocumentRecord record)
    {
        var winner = record.Winner;
        var items = new List<HistoryItem>(winner.Ancestry.Length + 1) { new(winner.Rev, winner.Deleted, winner.Stamp, !winner.Deleted) };
        var kept = KeptByRevision(record);
        foreach (var rev in winner.Ancestry)
        {
            items.Add(kept is not null && kept.TryGetValue(rev, out var e)
                ? new HistoryItem(rev, e.Deleted, e.Stamp, e.Body is not null && !e.Deleted)
                : new HistoryItem(rev, false, 0, false));
        }
        return items;
    }

    /// <summary>The body of <paramref name="rev"/> when this replica holds it: a leaf's or a kept past revision's.</summary>
    /// <returns>False when the revision is unknown or its body is no longer kept.</returns>
    public static bool TryGetBody(DocumentRecord record, Revision rev, out ReadOnlyMemory<byte> body, out bool deleted)
    {
        foreach (var leaf in record.Leaves)
        {
            if (leaf.Rev != rev) continue;
            body = leaf.Body;
            deleted = leaf.Deleted;
            return true;
        }
        foreach (var entry in record.History)
        {
            if (entry.Rev != rev || entry.Body is not { } kept) continue;
            body = kept;
            deleted = entry.Deleted;
            return true;
        }
        body = default;
        deleted = false;
        return false;
    }

    /// <summary>
    /// The undo and redo stacks (top last), derived from the kinds along the winner's line (its ancestors that the
    /// history keeps), oldest to newest: a save (or resolution) pushes the revision it replaced on undo and clears redo;
    /// an undo pops undo and pushes what it replaced on redo; a redo pops redo and pushes what it replaced on undo.
    /// </summary>
    public static (IReadOnlyList<HistoryEntry> Undo, IReadOnlyList<HistoryEntry> Redo) Stacks(DocumentRecord record)
    {
        var undo = new List<HistoryEntry>();
        var redo = new List<HistoryEntry>();
        var kept = KeptByRevision(record);
        if (kept is null) return (undo, redo);
        // The line, newest first: the winner's ancestors this replica keeps (a gap, an ancestor never seen here, is skipped).
        var line = new List<HistoryEntry>();
        foreach (var rev in record.Winner.Ancestry)
        {
            if (kept.TryGetValue(rev, out var e)) line.Add(e);
            if (line.Count == kept.Count) break;
        }
        for (int k = line.Count - 1; k >= 0; k--)
        {
            var previous = line[k];
            var kind = k == 0 ? record.Winner.Kind : line[k - 1].Kind;
            switch (kind)
            {
                case EditKind.Undo:
                    if (undo.Count > 0) undo.RemoveAt(undo.Count - 1);
                    redo.Add(previous);
                    break;
                case EditKind.Redo:
                    if (redo.Count > 0) redo.RemoveAt(redo.Count - 1);
                    undo.Add(previous);
                    break;
                default:
                    undo.Add(previous);
                    redo.Clear();
                    break;
            }
        }
        return (undo, redo);
    }

    /// <summary>
    /// The record without its history when its winner is a tombstone older than <paramref name="horizon"/> (DESIGN §8,
    /// decision 7: after the tombstone horizon nothing can undo the delete); the record itself otherwise (also when the
    /// tombstone's age is unknown, stamp 0).
    /// </summary>
    public static DocumentRecord DropExpired(DocumentRecord record, TimeSpan horizon, DateTimeOffset now)
    {
        if (!record.Winner.Deleted || record.HistoryChain.Count == 0) return record;
        return HybridClock.ToTime(record.Winner.Stamp) is { } deletedAt && now - deletedAt > horizon
            ? record.WithHistory(HistoryChain.Empty)
            : record;
    }

    private static Dictionary<Revision, HistoryEntry>? KeptByRevision(DocumentRecord record)
    {
        if (record.HistoryChain.Count == 0) return null;
        var kept = new Dictionary<Revision, HistoryEntry>();
        foreach (var e in record.History) kept.TryAdd(e.Rev, e);
        return kept;
    }
}
