namespace MyNoSql.Storage.Documents;

/// <summary>What made a revision. Travels with the leaf (replicas derive a record's undo/redo stacks from it).</summary>
internal enum EditKind : byte
{
    /// <summary>A save, delete or patch by an application (clears the record's redo).</summary>
    Save = 0,
    /// <summary>An undo: the content of an earlier revision written again.</summary>
    Undo = 1,
    /// <summary>A redo: re-applies what the last undo took back.</summary>
    Redo = 2,
    /// <summary>A conflict resolution (a merge policy's or the application's): child of the winner, losers closed.</summary>
    Resolve = 3,
}
