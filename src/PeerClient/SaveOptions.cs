namespace MyNoSql;

/// <summary>Options of one save (<see cref="MyNoSqlDb.SaveDocAsync(System.Text.Json.Nodes.JsonObject, SaveOptions, CancellationToken)"/>).</summary>
public sealed class SaveOptions
{
    /// <summary>
    /// When set, the save is fenced by this lock (DESIGN §9): it is written through a mirror, which refuses it with
    /// <see cref="StaleFenceException"/> when the lock's <see cref="MyNoSqlLock.FencingToken"/> no longer holds the lock,
    /// then stored locally. Null (the default): an ordinary local save.
    /// </summary>
    public MyNoSqlLock? Fence { get; init; }
}
