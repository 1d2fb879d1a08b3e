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
    public static IReadOnlyList<HistoryItem> Describe(DocumentRecord record) => throw new NotImplementedException();

    /// <summary>The body of <paramref name="rev"/> when this replica holds it: a leaf's or a kept past revision's.</summary>
    /// <returns>False when the revision is unknown or its body is no longer kept.</returns>
    public static bool TryGetBody(DocumentRecord record, Revision rev, out ReadOnlyMemory<byte> body, out bool deleted) => throw new NotImplementedException();
}
