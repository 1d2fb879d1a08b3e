namespace MyNoSql.Grains.Locks;

/// <summary>
/// Which of two copies of a lock's state is the current one: the greater token, then the greater version. Along one
/// activation's history both grow together; when copies diverged (a change that missed its quorum, then the activation
/// was lost) the greater token wins, so the token a new activation continues from never goes back.
/// </summary>
internal static class LockOrder
{
    /// <summary>True when <paramref name="candidate"/> supersedes <paramref name="held"/> (null: none held).</summary>
    public static bool Supersedes(LockRecord candidate, LockRecord? held) =>
        held is null || candidate.Token > held.Token || candidate.Token == held.Token && candidate.Version > held.Version;
}
