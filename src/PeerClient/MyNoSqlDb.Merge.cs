using System.Text.Json.Nodes;

namespace MyNoSql;

public sealed partial class MyNoSqlDb
{
    /// <summary>
    /// Sets the database's merge policy (DESIGN §8). Stored with the database, it replicates to the mirrors and every
    /// peer in the following sync rounds (the newest change wins). From then on any replica that sees a conflict writes
    /// the same deterministic resolution revision. An empty policy turns automatic resolution off.
    /// </summary>
    /// <exception cref="ArgumentException">A field name is empty or a strategy undefined.</exception>
    public Task SetMergePolicyAsync(MergePolicy policy, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>The database's merge policy as this replica knows it (empty when none was set).</summary>
    public Task<MergePolicy> GetMergePolicyAsync(CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>
    /// The application's manual merge: <paramref name="merged"/> (its <c>rev</c> must be the winner's) is saved as a
    /// child of the winner and every losing leaf is closed, in one write. Returns the saved record.
    /// </summary>
    /// <exception cref="DocumentNotFoundException">No such record, or it is deleted.</exception>
    /// <exception cref="RevisionConflictException">The <c>rev</c> is not the winner's; nothing was written.</exception>
    /// <exception cref="ArgumentException">Invalid record.</exception>
    public Task<JsonObject> ResolveConflictAsync(string id, JsonObject merged, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
