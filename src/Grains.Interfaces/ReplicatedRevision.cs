namespace MyNoSql.Grains;

/// <summary>
/// One leaf revision as replication carries it: the revision, whether it is a tombstone, its recent ancestry
/// (newest first, without itself) and the content (UTF-8 JSON object without <c>id</c>/<c>rev</c>; empty for a tombstone),
/// with the stamp and kind of the replica that made it. Never its record's history.
/// </summary>
/// <remarks>
/// Delta sync: with <see cref="BaseRev"/> set, <see cref="Ancestry"/> holds only the ancestors newer than that base (the
/// base last; empty when the leaf is the base itself), and with <see cref="BodyIsDelta"/> <see cref="Body"/> is a body delta
/// against the base's body. The receiver rebuilds the whole leaf from its own record, or answers <see cref="MergeStatus.NeedWhole"/>.
/// </remarks>
[GenerateSerializer, Immutable, Alias("mynosql.ReplicatedRevision")]
public sealed record ReplicatedRevision(
    [property: Id(0)] string Rev,
    [property: Id(1)] bool Deleted,
    [property: Id(2)] string[] Ancestry,
    [property: Id(3)] byte[] Body)
{
    /// <summary>The hybrid-clock stamp of the replica that made this revision (0: unknown).</summary>
    [Id(4)]
    public long Stamp { get; init; }

    /// <summary>What made this revision (the storage layer's edit kind: 0 save, 1 undo, 2 redo, 3 resolve).</summary>
    [Id(5)]
    public byte Kind { get; init; }

    /// <summary>The revision the ancestry (and, with <see cref="BodyIsDelta"/>, the body) is relative to; null: whole.</summary>
    [Id(6)]
    public string? BaseRev { get; init; }

    /// <summary>True when <see cref="Body"/> is a body delta against <see cref="BaseRev"/>'s body.</summary>
    [Id(7)]
    public bool BodyIsDelta { get; init; }

    /// <summary>When each field the database's Latest policy tracks was last written on this revision's line (the
    /// storage layer's field-stamp map; null: none).</summary>
    [Id(8)]
    public byte[]? FieldStamps { get; init; }
}
