namespace MyNoSql.Storage.Sync;

/// <summary>
/// The outcome of one pushed leaf as the sync protocol reports it (wire names in <see cref="PushStatusNames"/>).
/// The values are those of the grains' <c>MergeStatus</c>, which the sync service converts in one place.
/// </summary>
public enum PushStatus
{
    /// <summary><c>accepted</c>: new and a descendant of what was stored (or the record was new).</summary>
    Accepted = 0,
    /// <summary><c>known</c>: the revision or a descendant of it was already stored.</summary>
    Known = 1,
    /// <summary><c>conflict</c>: a concurrent edit, kept as another leaf (acknowledged).</summary>
    Conflict = 2,
    /// <summary><c>invalid</c>: malformed (revision text, id or body); never stored.</summary>
    Invalid = 3,
    /// <summary><c>quorum_unavailable</c>: stored on that mirror, not yet on a write quorum (push again later).</summary>
    QuorumUnavailable = 4,
    /// <summary><c>need_whole</c>: the leaf was sent relative to a base revision this mirror does not hold (or no longer
    /// keeps the body of); nothing was stored: send it whole.</summary>
    NeedWhole = 5,
}
