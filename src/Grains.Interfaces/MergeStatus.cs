namespace MyNoSql.Grains;

/// <summary>
/// Outcome of applying a replicated revision. Sync answers carry it by its wire name: the values equal those of
/// <c>MyNoSql.Storage.Sync.PushStatus</c>, whose <c>PushStatusNames</c> is the one mapping to "accepted", "known",
/// "conflict", "invalid", "quorum_unavailable" and "need_whole" (the sync service converts, and a test checks the two agree).
/// </summary>
[GenerateSerializer, Alias("mynosql.MergeStatus")]
public enum MergeStatus
{
    /// <summary>New and a descendant of what was stored (or the record was new).</summary>
    Accepted = 0,
    /// <summary>The revision or a descendant of it was already stored.</summary>
    AlreadyKnown = 1,
    /// <summary>A concurrent edit, kept as another leaf; the deterministic winner may have changed.</summary>
    Conflict = 2,
    /// <summary>The revision was malformed (bad revision text, id or body); nothing was written.</summary>
    Invalid = 3,
    /// <summary>Stored on this mirror, but a write quorum of mirrors did not confirm it in time (it replicates later).</summary>
    QuorumUnavailable = 4,
    /// <summary>The revision was sent relative to a base revision (delta sync) this mirror does not hold or no longer
    /// keeps the body of; nothing was written: send it whole.</summary>
    NeedWhole = 5,
}
