using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Merging;

/// <summary>
/// Resolves a record's conflict by a <see cref="MergePolicy"/> (DESIGN §8). The merged content is a function of the live
/// leaves (and, for Latest and Counter, the body of their common ancestor from the record's history), and the resolution
/// is a child of the winner (stamp: the greatest leaf stamp, kind <see cref="EditKind.Resolve"/>) with every losing
/// live leaf closed by its tombstone — so every replica that resolves the same leaves writes the same revisions.
/// </summary>
internal static class ConflictResolver
{
    /// <summary>
    /// The record with the conflict resolved; null when it has no live conflict, the policy is empty, or a strategy
    /// needs the common ancestor's body and this replica does not hold it (another replica that holds it resolves; the
    /// conflict stays until then, as without a policy).
    /// </summary>
    public static DocumentRecord? TryResolve(DocumentRecord record, MergePolicy policy, int historyDepth) => throw new NotImplementedException();

    /// <summary>The merged content of <paramref name="leaves"/> (winner first) under <paramref name="policy"/>, given the
    /// common ancestor's body when known (null otherwise). Exposed for the merge-law property tests.</summary>
    public static byte[]? MergeBodies(IReadOnlyList<RevisionLeaf> leaves, ReadOnlyMemory<byte>? ancestor, MergePolicy policy) => throw new NotImplementedException();
}
