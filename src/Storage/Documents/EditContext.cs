namespace MyNoSql.Storage.Documents;

/// <summary>What a replica adds to a revision it makes: its clock stamp, what kind of edit it is, and how many past
/// bodies the record keeps (<see cref="RecordHistory.DefaultDepth"/> unless configured).</summary>
/// <param name="Stamp">The <see cref="HybridClock"/> stamp of the new revision.</param>
/// <param name="HistoryDepth">Bodies of this many past revisions are kept (0: none).</param>
/// <param name="Kind">What the edit is.</param>
internal readonly record struct EditContext(long Stamp, int HistoryDepth, EditKind Kind = EditKind.Save)
{
    /// <summary>The fields whose write times a new live revision carries (<see cref="FieldStamps"/>: the database
    /// policy's Latest fields); null: none.</summary>
    public IReadOnlyList<string>? Tracked { get; init; }

    /// <summary>Stamp 0, the default depth, a plain save: what callers that do not say get.</summary>
    public static EditContext Default => new(0, RecordHistory.DefaultDepth);
}
