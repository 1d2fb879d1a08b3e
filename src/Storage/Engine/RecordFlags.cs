namespace MyNoSql.Storage.Engine;

/// <summary>Per-record flags kept in the in-memory directory, the log frames and the segment indexes.</summary>
[Flags]
internal enum RecordFlags : byte
{
    None = 0,
    /// <summary>The winning revision is a tombstone.</summary>
    Deleted = 1,
    /// <summary>A local write not yet acknowledged by a mirror (the outbox).</summary>
    Pending = 2,
    /// <summary>Losing conflict revisions are kept in the payload.</summary>
    HasConflicts = 4,
    /// <summary>The payload keeps leaves besides the winner (live or deleted); set since the index carries leaf fingerprints.</summary>
    HasOtherLeaves = 8,
    /// <summary>The current version arrived from another replica (a sync merge), not from a local write: change feeds report it.</summary>
    FromSync = 16,
}
