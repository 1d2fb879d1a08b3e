using MyNoSql.Grains;

namespace MyNoSql.Silo.Couch;

/// <summary>What a record's leaves (<see cref="IRecordGrain.GetLeaves"/>, winner first) know about revisions.</summary>
internal static class CouchLeaves
{
    /// <summary>True when <paramref name="rev"/> is a leaf or a recorded ancestor of one.</summary>
    public static bool Knows(IReadOnlyList<ReplicatedRevision> leaves, string rev)
    {
        rev = CouchRevs.ToOurs(rev);
        return leaves.Any(l => l.Rev == rev || Array.IndexOf(l.Ancestry, rev) >= 0);
    }

    /// <summary>
    /// The leaves <paramref name="rev"/> names: the leaf itself, or with <paramref name="latest"/>, for an ancestor, every
    /// leaf descending from it (CouchDB's <c>latest=true</c>). Empty when unknown, and for an ancestor without
    /// <paramref name="latest"/> (its body is not kept as a leaf: README "Deviations").
    /// </summary>
    public static List<ReplicatedRevision> Resolve(IReadOnlyList<ReplicatedRevision> leaves, string rev, bool latest)
    {
        rev = CouchRevs.ToOurs(rev);
        var found = leaves.Where(l => l.Rev == rev).ToList();
        if (found.Count == 0 && latest) found.AddRange(leaves.Where(l => Array.IndexOf(l.Ancestry, rev) >= 0));
        return found;
    }

    /// <summary>Live losing leaves (CouchDB's <c>_conflicts</c>).</summary>
    public static List<string> Conflicts(IReadOnlyList<ReplicatedRevision> leaves) => [.. leaves.Skip(1).Where(l => !l.Deleted).Select(l => l.Rev)];
}
