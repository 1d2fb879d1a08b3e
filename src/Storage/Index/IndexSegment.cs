using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Index;

/// <summary>
/// A revision-index segment: the ids of a database that hash to this segment, each with its winning revision
/// and the segment sequence of its last change; a monotonically growing sequence; and an order-independent
/// digest (XOR of a hash of every (id, rev, deleted)), so two replicas holding the same set have the same digest
/// whatever order they learnt it in. A checkpoint is the vector of segment sequences. Not thread-safe.
/// </summary>
internal sealed class IndexSegment
{
    /// <summary>Segments per database; fixed, so every replica agrees where an id lives.</summary>
    public const int Count = 64;

    private readonly Dictionary<string, IndexEntry> _byId = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, string> _bySequence = [];
    private readonly Dictionary<string, UInt128> _hashes = new(StringComparer.Ordinal);
    private UInt128 _digest;

    /// <summary>Sequence of the latest change (0 when empty).</summary>
    public long Sequence { get; private set; }

    public int Size => _byId.Count;

    /// <summary>Digest of the whole segment as 32 hex characters.</summary>
    public string Digest => _digest.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The segment an id belongs to: a stable hash (FNV-1a over UTF-8), not string.GetHashCode.</summary>
    public static int SegmentOf(string id)
    {
        ulong h = 14695981039346656037UL;
        Span<byte> buffer = stackalloc byte[256];
        int max = Encoding.UTF8.GetMaxByteCount(id.Length);
        var bytes = max <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(id, buffer)] : Encoding.UTF8.GetBytes(id);
        foreach (byte b in bytes) h = (h ^ b) * 1099511628211UL;
        return (int)(h % Count);
    }

    public bool TryGet(string id, out IndexEntry entry) => _byId.TryGetValue(id, out entry);

    /// <summary>
    /// Records <paramref name="rev"/> as the winner of <paramref name="id"/>; returns false when nothing changed.
    /// <paramref name="conflicts"/> (<see cref="DocumentRecord.LeavesTag"/>, null = none) takes part in the change
    /// test and the digest, so a new or resolved losing branch moves the sequence even when the winner stays.
    /// </summary>
    public bool Apply(string id, Revision rev, bool deleted, string? conflicts = null)
    {
        var hash = EntryHash(id, rev, deleted, conflicts);
        if (_byId.TryGetValue(id, out var old))
        {
            if (old.Rev == rev && old.Deleted == deleted && _hashes[id] == hash) return false;
            _bySequence.Remove(old.Sequence);
            _digest ^= _hashes[id];
        }
        long seq = ++Sequence;
        _byId[id] = new IndexEntry(id, rev, deleted, seq, conflicts);
        _hashes[id] = hash;
        _bySequence[seq] = id;
        _digest ^= hash;
        return true;
    }

    /// <summary>
    /// Forgets <paramref name="id"/> (a tombstone past the purge horizon): it leaves the changes feed and the digest;
    /// the sequence does not move, since no peer needs to pull a removal. False when unknown.
    /// </summary>
    public bool Remove(string id)
    {
        if (!_byId.Remove(id, out var old)) return false;
        _bySequence.Remove(old.Sequence);
        _digest ^= _hashes[id];
        _hashes.Remove(id);
        return true;
    }

    /// <summary>Entries changed after <paramref name="sinceSequence"/>, oldest change first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<IndexEntry> ChangesSince(long sinceSequence, int limit)
    {
        if (sinceSequence >= Sequence) return []; // the common poll: nothing new, no walk
        var result = new List<IndexEntry>(Math.Min(limit, 256));
        foreach (var (seq, id) in _bySequence)
        {
            if (seq <= sinceSequence) continue;
            result.Add(_byId[id]);
            if (result.Count >= limit) break;
        }
        return result;
    }

    public IEnumerable<IndexEntry> Entries => _byId.Values;

    /// <summary>The digest contribution of one id (equal on two replicas exactly when they hold the same leaves).</summary>
    public UInt128 EntryDigest(string id) => _hashes.TryGetValue(id, out var h) ? h : default;

    private static UInt128 EntryHash(string id, Revision rev, bool deleted, string? conflicts)
    {
        Span<byte> head = stackalloc byte[Revision.EncodedSize + 1];
        rev.WriteTo(head);
        head[Revision.EncodedSize] = deleted ? (byte)1 : (byte)0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(id));
        hash.AppendData(head);
        if (conflicts is not null) hash.AppendData(Encoding.UTF8.GetBytes(conflicts));
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }
}
