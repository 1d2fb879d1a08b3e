namespace MyNoSql;

/// <summary>A snapshot of a peer's replication state.</summary>
/// <param name="PendingWrites">Local writes (distinct records) not yet acknowledged by a mirror: the outbox.</param>
/// <param name="LastSuccess">When the last sync round completed, or null if none has.</param>
/// <param name="MirrorInUse">Base URL of the mirror used last, or null.</param>
/// <param name="LastError">The last sync error, or null after a successful round.</param>
/// <param name="Mirrors">Every mirror this peer knows, remembered on disk.</param>
public sealed record SyncStatus(
    long PendingWrites,
    DateTimeOffset? LastSuccess,
    string? MirrorInUse,
    string? LastError,
    IReadOnlyList<string> Mirrors);
