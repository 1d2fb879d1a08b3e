using MyNoSql.Storage.Sync;

namespace MyNoSql.Grains.Changes;

/// <summary>What one pass of a mirror's change feed found, and the position after everything it looked at (filtered
/// out changes included), which is the feed's <c>last_seq</c>.</summary>
internal sealed record MirrorChangesPage(IReadOnlyList<MirrorChange> Results, SyncCheckpoint Last);
