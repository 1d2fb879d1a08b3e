using Microsoft.Extensions.Logging;
using MyNoSql.Grains.Storage;

namespace MyNoSql.Grains.Records;

/// <summary>
/// A damaged copy (the <c>lzma-shards</c> storage read this silo's bytes of the record and they failed their checksum:
/// <see cref="RecordState.Damage"/>). The grain then holds no record and rewrites this copy from the other mirrors' leaves
/// by the read repair it does anyway when it activates (<see cref="RepairFromOthersAsync"/>; R + W &gt; N, so they hold every
/// acknowledged revision). Until a rewrite succeeds no call is served from the damaged copy: each first tries the read
/// repair again, then fails with <see cref="DamagedRecordException"/> (503 <c>unavailable</c> at the gateway, naming the
/// database, id, file and offset), never with a 404 for a record that exists or a 500.
/// </summary>
internal sealed partial class RecordGrain
{
    /// <summary>This silo's copy is damaged and not yet rewritten (null: it is sound).</summary>
    private RecordDamage? _damage;

    /// <summary>With a damaged copy: one more read repair, then <see cref="DamagedRecordException"/> if still damaged.</summary>
    private async Task ThrowIfDamagedAsync()
    {
        if (_damage is null) return;
        await RepairFromOthersAsync();
        if (_damage is { } damage)
            throw new DamagedRecordException($"Record '{_id}' of database '{_database}' cannot be served now: {damage.Describe()}, and no "
                + "other mirror answered with a copy to rewrite it from; retry once the other mirrors run (deploy/README.md, damaged stores).");
    }

    [LoggerMessage(EventId = 2074, Level = LogLevel.Information, Message = "Damaged record {Database}/{Id} ('{File}' at offset {Offset}) rewritten in this mirror's store by read repair; now at {Rev}")]
    private partial void LogDamageRepaired(string database, string id, string file, long offset, string rev);
}
