namespace MyNoSql.Grains;

/// <summary>
/// Runs Mango queries (DESIGN §7) on the mirror it activates on (a stateless worker: for an external client, the
/// silo of its gateway), keyed by the database name.
/// </summary>
[Alias("mynosql.IQueryGrain")]
public interface IQueryGrain : IGrainWithStringKey
{
    /// <summary>One page of the answer to <paramref name="query"/> (a Mango query object as UTF-8 JSON).</summary>
    [Alias("Find")]
    Task<QueryReply> Find(byte[] query, CancellationToken cancellationToken = default);
}
