using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Mirror;

/// <summary>What anti-entropy needs from one replica of a database (local, or another mirror over the network).</summary>
internal interface IReplica
{
    /// <summary>Per-segment digests, in segment order.</summary>
    Task<string[]> GetDigestsAsync(string database, CancellationToken cancellationToken);

    /// <summary>Every id of a segment with its digest contribution.</summary>
    Task<IReadOnlyList<(string Id, string Digest)>> GetEntriesAsync(string database, int segment, CancellationToken cancellationToken);

    /// <summary>The records (every leaf) for the ids it holds.</summary>
    Task<IReadOnlyList<DocumentRecord>> ReadRecordsAsync(string database, IReadOnlyList<string> ids, CancellationToken cancellationToken);

    /// <summary>Merges records received from another replica (replication rules, never savedoc rules).</summary>
    Task MergeRecordsAsync(string database, IReadOnlyList<DocumentRecord> records, CancellationToken cancellationToken);
}
