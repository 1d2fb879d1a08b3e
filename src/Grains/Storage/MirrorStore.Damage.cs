using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Grains.Storage;

/// <summary>
/// Damaged copies. A record whose stored bytes fail their checksum (the engine's <see cref="CorruptDataException"/>, with
/// file and offset) is noted here once, with an error naming database, id, file and offset; this silo then treats its copy
/// as absent for reads that serve other mirrors or scans (the other mirrors hold it: R + W &gt; N), the record grain
/// rewrites it from the other mirrors' leaves when it activates here, and anti-entropy rewrites the rest
/// (<see cref="ReplaceDamagedAsync"/>). Any write of the key replaces the damaged bytes and clears the note.
/// </summary>
internal sealed partial class MirrorStore
{
    private readonly ConcurrentDictionary<string, RecordDamage> _damaged = new(StringComparer.Ordinal);

    /// <summary>Where damage and repairs are logged (the host sets it).</summary>
    internal ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Records whose copy here is known to be damaged and not yet rewritten.</summary>
    public ICollection<RecordDamage> Damaged => _damaged.Values;

    /// <summary>Notes that <paramref name="key"/>'s copy failed its checksum (logged once per damage); the damage.</summary>
    internal RecordDamage NoteDamage(string key, CorruptDataException error)
    {
        if (!MirrorKeys.TryParseRecord(key, out var database, out var id)) (database, id) = ("", key);
        string problem = RecordDamage.ProblemOf(error);
        var damage = new RecordDamage(database, id, error.FilePath, error.Offset, problem, _replica.VersionOf(key));
        var noted = _damaged.GetOrAdd(key, damage);
        if (ReferenceEquals(noted, damage)) LogDamaged(Logger, database, id, error.FilePath, error.Offset, problem);
        return noted;
    }

    /// <summary>This silo's copy of a record, or null when it holds none or its copy is damaged (noted and logged).</summary>
    public async ValueTask<DocumentRecord?> ReadRecordAsync(string database, string id, CancellationToken cancellationToken = default)
    {
        string key = MirrorKeys.Record(database, id);
        try
        {
            return await _replica.ReadAsync(key, id, cancellationToken).ConfigureAwait(false);
        }
        catch (CorruptDataException e)
        {
            NoteDamage(key, e);
            return null;
        }
    }

    /// <summary>
    /// Rewrites a damaged copy from <paramref name="leaves"/> (what the other mirrors hold), unless the key was written since
    /// the damage was noted. True when it wrote.
    /// </summary>
    public async ValueTask<bool> ReplaceDamagedAsync(RecordDamage damage, IReadOnlyCollection<RevisionLeaf> leaves, CancellationToken cancellationToken = default)
    {
        if (leaves.Count == 0) return false;
        string key = MirrorKeys.Record(damage.Database, damage.Id);
        int epoch = EnterWrite();
        try
        {
            using (await _replica.LockAsync(key, cancellationToken).ConfigureAwait(false))
            {
                if (_replica.VersionOf(key) != damage.Version)
                {
                    _damaged.TryRemove(KeyValuePair.Create(key, damage));
                    return false;
                }
                DocumentRecord? record = null;
                foreach (var leaf in leaves)
                {
                    if (PredatesDrop(damage.Database, leaf.Stamp)) continue;
                    _replica.Clock.Observe(leaf.Stamp);
                    record = DocumentRules.Merge(record, damage.Id, leaf, _replica.HistoryDepth).Record;
                }
                if (record is null) return false;
                await _replica.WriteAsync(key, record, RecordFlags.FromSync, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ExitWrite(epoch);
        }
        LogRewritten(Logger, damage.Database, damage.Id, damage.FilePath, damage.Offset);
        return true;
    }

    /// <summary>A merge that hit a damaged copy: noted, and refused with a reason that crosses grain calls.</summary>
    private DamagedRecordException Refused(string key, CorruptDataException error) =>
        new($"Not merged: {NoteDamage(key, error).Describe()}; it is rewritten from the other mirrors' copies, retry.");

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "Damaged record {Database}/{Id} in this mirror's store: {Problem} in '{File}' at offset {Offset}; its copy here is rewritten from the other mirrors")]
    private static partial void LogDamaged(ILogger logger, string database, string id, string file, long offset, string problem);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "Damaged record {Database}/{Id} ('{File}' at offset {Offset}) rewritten in this mirror's store from the other mirrors' copies")]
    private static partial void LogRewritten(ILogger logger, string database, string id, string file, long offset);
}
