using MyNoSql.Grains.Records;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Grains;

/// <summary>One record in a sync batch: its id and every leaf revision (winner first) with ancestry, whole or relative to a
/// base the receiver holds (<see cref="ReplicatedRevision.BaseRev"/>).</summary>
public sealed record SyncRecord(string Id, ReplicatedRevision[] Leaves);

/// <summary>
/// The sync protocol's record batches (push and fetch bodies, <c>application/x-mynosql-batch</c>): the Brotli
/// record batch of the storage layer, shared with the peer, converted to and from grain wire types.
/// </summary>
public static class SyncBatch
{
    /// <summary>Media type of a record batch body.</summary>
    public const string MediaType = "application/x-mynosql-batch";

    /// <summary>Encodes records (each needs at least one well-formed leaf), leaves in the order given.</summary>
    /// <exception cref="ArgumentException">A leaf is malformed.</exception>
    public static byte[] Encode(IEnumerable<SyncRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var decoded = new List<BatchRecord>();
        foreach (var record in records)
        {
            if (record.Leaves.Length == 0) throw new ArgumentException($"Record '{record.Id}' has no leaves.", nameof(records));
            var leaves = new BatchLeaf[record.Leaves.Length];
            for (int i = 0; i < leaves.Length; i++)
            {
                if (!LeafWire.TryToBatch(record.Leaves[i], out leaves[i], out var problem))
                    throw new ArgumentException($"Record '{record.Id}': {problem}.", nameof(records));
            }
            decoded.Add(new BatchRecord(record.Id, leaves));
        }
        return RecordBatch.Encode(decoded);
    }

    /// <summary>Decodes a batch; ids are validated, revisions are checked later by the record grains.</summary>
    /// <exception cref="FormatException">The batch is malformed, truncated or too large.</exception>
    public static IReadOnlyList<SyncRecord> Decode(ReadOnlySpan<byte> batch) => Decode(batch, RecordBatch.MaxDecodedBytes);

    /// <summary>Decodes a batch of at most <paramref name="maxDecodedBytes"/> once decompressed (a push: the push limit).</summary>
    /// <exception cref="RecordBatchTooLargeException">The batch decodes to more than <paramref name="maxDecodedBytes"/>.</exception>
    /// <exception cref="FormatException">The batch is malformed or truncated.</exception>
    public static IReadOnlyList<SyncRecord> Decode(ReadOnlySpan<byte> batch, int maxDecodedBytes) =>
        [.. RecordBatch.DecodeBatch(batch, maxDecodedBytes).Select(r => new SyncRecord(r.Id, LeafWire.ToWire(r)))];
}
