using System.Numerics;
using System.Text.Json;

namespace MyNoSql.Storage.Documents;

/// <summary>
/// Recently read winning revisions of a peer's records, parsed once: the user's view (<c>id</c>, <c>rev</c>, body) as an
/// immutable <see cref="JsonElement"/>, keyed by id and the version it was read at (<see cref="Engine.RecordHeader.Sequence"/>,
/// which every write of the id moves on). A read that finds its id still at that version wraps the element in a new
/// <c>JsonObject</c> instead of parsing the body again; parsing is most of a warm read's cost (~6.5 of ~9 µs for a 2.3 KB
/// record). Elements of a non-disposable <see cref="JsonDocument"/> are never written after the parse (since .NET 8,
/// which dropped the document's last-string cache: dotnet/runtime#76716), so one element backs any number of objects on
/// any threads, and each object copies what the user changes.
/// LRU, bounded by the bytes the parses allocated. Every element kept outlives a few collections and is copied into the
/// older generations, which costs more than the parse it saves unless it is read several times; so admission is selective:
/// - a record is kept on its second miss in a while, not its first (a doorkeeper of recent misses' hashes): a pass that
///   reads each record once, as the first reads after an open do, lost 20–60 % of its rate when every miss was kept;
/// - once the cache is full, one such miss in <see cref="FullAdmission"/> is kept, or one in <see cref="ColdAdmission"/>
///   while fewer than half of the last <see cref="Window"/> lookups hit (a record read often still gets in after some
///   misses). When every miss replaced the least recently read element, random reads over a working set 12 % larger than
///   the bound paid ~45 µs per miss instead of ~16 µs; over 9× the bound, admitting one in 8 was still 15 % slower than
///   no cache at all.
/// Thread-safe.
/// </summary>
internal sealed class ParsedDocumentCache(long capacityBytes)
{
    /// <summary>Dictionary slot, list node and entry: counted with each element so tiny records cannot overrun the bound.</summary>
    internal const int EntryOverheadBytes = 160;

    /// <summary>Once full, one miss in this many (of those the doorkeeper lets through) is kept.</summary>
    internal const int FullAdmission = 8;

    /// <summary>Once full and while most lookups miss, one miss in this many is kept.</summary>
    internal const int ColdAdmission = 64;

    /// <summary>Lookups per hit-rate window.</summary>
    internal const int Window = 1024;

    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _lru = new(); // most recent first
    // Doorkeeper: hashes of ids that missed once lately (0: empty), one slot per KiB of the bound (1 Ki–64 Ki slots).
    private readonly int[] _seen = new int[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(capacityBytes >> 10, 1024, 65536))];
    private long _bytes;
    private long _hits;
    private long _misses;
    private uint _declined;
    private int _windowLookups;
    private int _windowHits;
    private int _admitOneIn = FullAdmission;

    private sealed record Entry(string Id, ulong Version, JsonElement Document, long Bytes);

    /// <summary>The bound, in bytes (0: nothing is kept).</summary>
    public long Capacity { get; } = Math.Max(0, capacityBytes);

    public long Bytes { get { lock (_lock) return _bytes; } }

    public int Count { get { lock (_lock) return _map.Count; } }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Once full, one miss in this many is kept now (<see cref="FullAdmission"/> or <see cref="ColdAdmission"/>).</summary>
    public int AdmitsOneIn { get { lock (_lock) return _admitOneIn; } }

    /// <summary>The element cached for <paramref name="id"/> at exactly <paramref name="version"/>.</summary>
    public bool TryGet(string id, ulong version, out JsonElement document)
    {
        lock (_lock)
        {
            if (++_windowLookups == Window)
            {
                _admitOneIn = _windowHits * 2 >= Window ? FullAdmission : ColdAdmission;
                _windowLookups = _windowHits = 0;
            }
            if (_map.TryGetValue(id, out var node) && node.Value.Version == version)
            {
                _windowHits++;
                if (node != _lru.First)
                {
                    _lru.Remove(node);
                    _lru.AddFirst(node);
                }
                _hits++;
                document = node.Value.Document;
                return true;
            }
            _misses++;
        }
        document = default;
        return false;
    }

    /// <summary>Keeps <paramref name="document"/> as <paramref name="id"/>'s view at <paramref name="version"/> when the
    /// id missed before lately (once full: one such miss in <see cref="FullAdmission"/> or <see cref="ColdAdmission"/>)
    /// or an older view of it is kept (which it replaces), evicting the least recently read elements beyond the bound.
    /// An element larger than a quarter of the bound is not kept: it would push out many others for one record.</summary>
    public void Add(string id, ulong version, JsonElement document, long parsedBytes)
    {
        long bytes = parsedBytes + EntryOverheadBytes;
        if (bytes > Capacity / 4) return;
        lock (_lock)
        {
            if (_map.TryGetValue(id, out var existing))
            {
                // A concurrent reader may have read an older version after this one was written: keep the newest.
                if (existing.Value.Version >= version) return;
                Remove(existing);
            }
            else
            {
                int hash = id.GetHashCode() | 1;
                ref int seen = ref _seen[hash & (_seen.Length - 1)];
                if (seen != hash)
                {
                    seen = hash;
                    return;
                }
                if (_bytes + bytes > Capacity && ++_declined % (uint)_admitOneIn != 0) return;
            }
            var node = _lru.AddFirst(new Entry(id, version, document, bytes));
            _map[id] = node;
            _bytes += bytes;
            while (_bytes > Capacity && _lru.Last is { } last) Remove(last);
        }
    }

    /// <summary>Drops every element (the store closed: nothing can hit any more).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _map.Clear();
            _lru.Clear();
            _bytes = 0;
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _lru.Remove(node);
        _map.Remove(node.Value.Id);
        _bytes -= node.Value.Bytes;
    }
}
