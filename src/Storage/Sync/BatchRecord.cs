using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Sync;

/// <summary>One record of a record batch: its id and its leaves (winner first), whole or relative to a base.</summary>
internal sealed record BatchRecord(string Id, BatchLeaf[] Leaves)
{
    /// <summary>True when every leaf travels whole (the record needs nothing of the receiver's).</summary>
    public bool IsWhole => Leaves.All(l => !l.Relative);

    /// <summary>Every leaf of <paramref name="record"/> whole (never its history).</summary>
    public static BatchRecord Whole(DocumentRecord record) => new(record.Id, [.. record.Leaves.Select(BatchLeaf.Whole)]);
}
