namespace MyNoSql.Storage.Indexing;

/// <summary>
/// The query path's LRU of composed documents (the user's JSON as UTF-8) by key and record version, bounded by bytes.
/// Log-resident records have no block cache, so without it every candidate of a repeated query costs a positional read
/// and a decode. Entries never go stale: a hit needs the version the directory holds now. Thread-safe.
/// </summary>
internal sealed class ComposedDocumentCache(long capacityBytes)
{
    private const int EntryOverhead = 64; // node, tuple and dictionary slot, roughly
    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, ulong Version, byte[] Utf8)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, ulong Version, byte[] Utf8)> _lru = new(); // most recent first
    private long _bytes;

    /// <summary>The document of <paramref name="key"/> at <paramref name="version"/>, if kept.</summary>
    public byte[]? Get(string key, ulong version)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue(key, out var node) || node.Value.Version != version) return null;
            _lru.Remove(node);
            _lru.AddFirst(node);
            return node.Value.Utf8;
        }
    }

    public void Put(string key, ulong version, byte[] utf8)
    {
        long size = Size(key, utf8);
        if (size > capacityBytes / 4) return; // one huge document would flush everything else
        lock (_lock)
        {
            if (_map.Remove(key, out var old))
            {
                _lru.Remove(old);
                _bytes -= Size(old.Value.Key, old.Value.Utf8);
            }
            _map[key] = _lru.AddFirst((key, version, utf8));
            _bytes += size;
            while (_bytes > capacityBytes && _lru.Last is { } last)
            {
                _lru.RemoveLast();
                _map.Remove(last.Value.Key);
                _bytes -= Size(last.Value.Key, last.Value.Utf8);
            }
        }
    }

    private static long Size(string key, byte[] utf8) => utf8.Length + key.Length * 2L + EntryOverhead;
}
