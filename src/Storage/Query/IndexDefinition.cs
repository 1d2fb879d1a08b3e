namespace MyNoSql.Storage.Query;

/// <summary>A secondary index's definition: its name and the dotted field paths of its compound key, in order.</summary>
internal sealed record IndexDefinition(string Name, IReadOnlyList<string> Fields)
{
    /// <summary>The parsed <see cref="Fields"/>.</summary>
    public IReadOnlyList<FieldPath> Paths { get; } = [.. Fields.Select(FieldPath.Parse)];

    /// <summary>Same name and the same fields in the same order.</summary>
    public bool SameAs(IndexDefinition other) => Name == other.Name && Fields.SequenceEqual(other.Fields, StringComparer.Ordinal);
}
