namespace MyNoSql;

/// <summary>
/// A database's merge policy (DESIGN §8): a strategy per top-level field; fields it does not name take the winner's
/// value. With a policy, every replica that sees a conflict writes the same deterministic resolution revision, so all
/// replicas converge without new conflicts. Stored with the database and replicated to every peer and mirror.
/// </summary>
public sealed class MergePolicy
{
    /// <summary>Strategy per top-level field name (ordinal).</summary>
    public IDictionary<string, MergeStrategy> Fields { get; } = new Dictionary<string, MergeStrategy>(StringComparer.Ordinal);

    /// <summary>True when no field has a strategy other than <see cref="MergeStrategy.Winner"/>: conflicts are left to
    /// the application, as without a policy.</summary>
    public bool IsEmpty => Fields.Values.All(s => s == MergeStrategy.Winner);

    /// <inheritdoc/>
    public override string ToString() => "{" + string.Join(", ", Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}: {f.Value}")) + "}";
}
