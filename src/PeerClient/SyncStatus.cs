namespace MyNoSql;

/// <summary>A snapshot of a peer's replication state. The last round's outcome (last success, mirror in use, last
/// error) is remembered on disk, so a database opened again reports it until its own first round.</summary>
/// <param name="PendingWrites">Local writes (distinct records) not yet acknowledged by a mirror: the outbox.</param>
/// <param name="LastSuccess">When the last successful sync round completed, or null if none ever has.</param>
/// <param name="MirrorInUse">Base URL of the mirror used last (by a round or a read that fetched a record), or null.</param>
/// <param name="LastError">The last sync error (of a round, or of a read that answered from the local copy because no
/// mirror answered), or null after a successful round.</param>
/// <param name="Mirrors">Every mirror this peer knows, remembered on disk.</param>
public sealed record SyncStatus(
    long PendingWrites,
    DateTimeOffset? LastSuccess,
    string? MirrorInUse,
    string? LastError,
    IReadOnlyList<string> Mirrors);
