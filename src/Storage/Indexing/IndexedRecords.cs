using System.Buffers;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// One database's records as its indexes see them: the keys under a prefix of a <see cref="ReplicaStore"/> (a peer:
/// "" and key = id; a mirror: <c>record/rec/{db}/</c>). Answers whether an entry is current from the directory alone.
/// </summary>
internal sealed class IndexedRecords(ReplicaStore replica, string keyPrefix, string context)
{
    public ReplicaStore Replica { get; } = replica;

    public RecordStore Records => Replica.Records;

    public string KeyPrefix { get; } = keyPrefix;

    public string Context { get; } = context;

    public string KeyOf(string id) => KeyPrefix.Length == 0 ? id : string.Concat(KeyPrefix, id);

    public string IdOf(string key) => KeyPrefix.Length == 0 ? key : key[KeyPrefix.Length..];

    public bool Owns(string key) => key.StartsWith(KeyPrefix, StringComparison.Ordinal);

    /// <summary>An entry indexed at <paramref name="sequence"/> is current: the record still has that version and it is live.</summary>
    public bool IsCurrent(string id, ulong sequence) =>
        Records.TryGetHeader(KeyOf(id), out var header) && header.Sequence == sequence && (header.Flags & RecordFlags.Deleted) == 0;

    /// <summary>Headers of this database's keys in <paramref name="shard"/> changed after <paramref name="sequence"/>.</summary>
    public IReadOnlyList<RecordHeader> ChangedSince(int shard, ulong sequence) => Records.ChangedSince(shard, sequence, KeyPrefix);

    /// <summary>Reads a key's current version and makes its entry for <paramref name="paths"/> (null when absent or deleted).</summary>
    public async ValueTask<IndexItem?> ReadItemAsync(string key, IReadOnlyList<FieldPath> paths, CancellationToken cancellationToken)
    {
        string id = IdOf(key);
        var (record, version) = await Replica.ReadVersionAsync(key, id, cancellationToken).ConfigureAwait(false);
        return ItemFor(paths, id, record, version);
    }

    /// <summary>
    /// The entries of this database's live records in <paramref name="shard"/> changed after <paramref name="after"/>
    /// (0: all), read with one bulk engine scan in storage order, and the highest sequence the scan saw (deleted
    /// records included; 0 when none). <paramref name="onLive"/> is called once per live record (progress).
    /// </summary>
    /// <remarks>The scan sees each record as it was when it started; the caller observes writes first, so a later
    /// version reaches it through <see cref="IReplicaObserver"/> (and the older entry is then simply not current).</remarks>
    /// <exception cref="CorruptDataException">A damaged frame, block or record payload.</exception>
    public (List<IndexItem> Items, ulong Highest) ScanItems(int shard, ulong after, IReadOnlyList<FieldPath> paths, Action? onLive, CancellationToken cancellationToken)
    {
        var items = new List<IndexItem>();
        var buffer = new ArrayBufferWriter<byte>(256);
        ulong highest = 0;
        Records.Scan(shard, (in RecordHeader header, ReadOnlyMemory<byte> payload) =>
        {
            highest = Math.Max(highest, header.Sequence);
            // Deleted covers cleared keys (empty payload, no revision) too.
            if ((header.Flags & RecordFlags.Deleted) != 0 || payload.IsEmpty) return;
            onLive?.Invoke();
            string id = IdOf(header.Key);
            DocumentRecord record;
            try
            {
                // The payload is only valid during this call: the item copies the key bytes out.
                record = DocumentRecord.Decode(id, payload, header.Revision);
            }
            catch (FormatException e)
            {
                throw new CorruptDataException(Records.Directory, 0, $"{Context}, record '{id}': {e.Message}", e);
            }
            if (ItemFor(paths, id, record, header.Sequence, buffer) is { } item) items.Add(item);
        }, KeyPrefix, after, cancellationToken);
        return (items, highest);
    }

    /// <summary>The entry of <paramref name="record"/> at <paramref name="sequence"/>; null when there is none (deleted winner or cleared key).</summary>
    public static IndexItem? ItemFor(IReadOnlyList<FieldPath> paths, string id, DocumentRecord? record, ulong sequence)
        => ItemFor(paths, id, record, sequence, new ArrayBufferWriter<byte>(64));

    /// <summary><see cref="ItemFor(IReadOnlyList{FieldPath}, string, DocumentRecord?, ulong)"/> composing in a reused
    /// <paramref name="buffer"/> (bulk builds).</summary>
    private static IndexItem? ItemFor(IReadOnlyList<FieldPath> paths, string id, DocumentRecord? record, ulong sequence, ArrayBufferWriter<byte> buffer)
    {
        if (record is null || record.Winner.Deleted || sequence == 0) return null;
        buffer.ResetWrittenCount();
        IndexKeyReader.Append(buffer, paths, id, record.Winner.Rev, record.Winner.Body.Span);
        int keyLength = buffer.WrittenCount;
        CollationKey.AppendStringBody(buffer, id);
        return new IndexItem(buffer.WrittenSpan.ToArray(), keyLength, sequence, id);
    }
}
