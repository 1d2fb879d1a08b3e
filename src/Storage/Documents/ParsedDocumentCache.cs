using System.Text.Json;

namespace MyNoSql.Storage.Documents;

/// <summary>
/// Recently read winning revisions of a peer's records, parsed once: the user's view (<c>id</c>, <c>rev</c>, body) as an
/// immutable <see cref="JsonElement"/>, keyed by id and the version it was read at (<see cref="Engine.RecordHeader.Sequence"/>,
/// which every write of the id moves on). A read that finds its id still at that version wraps the element in a new
/// <c>JsonObject</c> instead of parsing the body again; parsing is most of a warm read's cost (~6.5 of ~9 µs for a 2.3 KB
/// record). Elements of a non-disposable <see cref="JsonDocument"/> are never written after the parse, so one element
/// backs any number of objects on any threads, and each object copies what the user changes.
/// LRU, bounded by the bytes the parses allocated. Admission is throttled when it cannot pay: once the cache is full and
/// fewer than a quarter of the last <see cref="Window"/> lookups hit (a working set far larger than the bound), it keeps
/// one miss in <see cref="ThrottledAdmission"/>. Every element it keeps outlives a few collections and is copied into the
/// older generations, only to be evicted unread: that made uniformly random reads of 8× the bound ~20 % slower than
/// reads with no cache at all. Thread-safe.
/// </summary>
internal sealed class ParsedDocumentCache(long capacityBytes)
{
    /// <summary>Dictionary slot, list node and entry: counted with each element so tiny records cannot overrun the bound.</summary>
    internal const int EntryOverheadBytes = 160;

    /// <summary>Lookups per hit-rate window.</summary>
    internal const int Window = 1024;

    /// <summary>While throttled, one miss in this many is kept.</summary>
    internal const int ThrottledAdmission = 8;

    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _lru = new(); // most recent first
    private long _bytes;
    private long _hits;
    private long _misses;
    private int _windowLookups;
    private int _windowHits;
    private bool _admitAll = true;
    private uint _declined;

    private sealed record Entry(string Id, ulong Version, JsonElement Document, long Bytes);

    /// <summary>The bound, in bytes (0: nothing is kept).</summary>
    public long Capacity { get; } = Math.Max(0, capacityBytes);

    public long Bytes { get { lock (_lock) return _bytes; } }

    public int Count { get { lock (_lock) return _map.Count; } }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>True while every miss is kept (the last window's hit rate was at least a quarter, or the cache was not full).</summary>
    public bool AdmitsAll { get { lock (_lock) return _admitAll; } }

    /// <summary>The element cached for <paramref name="id"/> at exactly <paramref name="version"/>.</summary>
    public bool TryGet(string id, ulong version, out JsonElement document)
    {
        lock (_lock)
        {
            if (++_windowLookups == Window)
            {
                _admitAll = _windowHits * 4 >= Window;
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

    /// <summary>Keeps <paramref name="document"/> as <paramref name="id"/>'s view at <paramref name="version"/> (replacing
    /// an older one), evicting the least recently read elements beyond the bound. An element larger than a quarter of the
    /// bound is not kept: it would push out many others for one record.</summary>
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
            else if (!_admitAll && _bytes + bytes > Capacity && ++_declined % ThrottledAdmission != 0)
            {
                return;
            }
            var node = _lru.AddFirst(new Entry(id, version, document, bytes));
            _map[id] = node;
            _bytes += bytes;
            while (_bytes > Capacity && _lru.Last is { } last) Remove(last);
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _lru.Remove(node);
        _map.Remove(node.Value.Id);
        _bytes -= node.Value.Bytes;
    }
}
