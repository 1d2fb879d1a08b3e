namespace MyNoSql.Grains;

/// <summary>Outcome of a record operation.</summary>
[GenerateSerializer, Alias("mynosql.RecordStatus")]
public enum RecordStatus
{
    /// <summary>Done (or nothing to do: an unchanged save).</summary>
    Ok = 0,
    /// <summary>No such record, or it is deleted.</summary>
    NotFound = 1,
    /// <summary>The given revision is not the current one; nothing was written.</summary>
    Conflict = 2,
    /// <summary>The write is durable on this mirror but a write quorum of mirrors could not be reached in time.</summary>
    QuorumUnavailable = 3,

    /// <summary>The request is malformed (a save's body is not a storable JSON object); nothing was written.</summary>
    Invalid = 4,

    /// <summary>An undo found nothing to undo (no earlier revision, or its body is no longer kept); nothing was written.</summary>
    NothingToUndo = 5,

    /// <summary>A redo found nothing to redo (no undo since the last save); nothing was written.</summary>
    NothingToRedo = 6,

    /// <summary>A JSON Patch <c>test</c> operation failed; nothing was written.</summary>
    TestFailed = 7,

    /// <summary>A fenced save's lock token no longer holds its lock (a newer one was issued, or it was released or
    /// expired); nothing was written.</summary>
    Fenced = 8,
}
