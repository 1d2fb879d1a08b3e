namespace MyNoSql.Storage.Engine;

/// <summary>
/// LRU of decoded segment blocks bounded by bytes, shared by all shards of a store. Thread-safe; a block that several
/// readers miss at once is decoded once (the others wait for that decode).
/// </summary>
internal sealed class BlockCache
{
    private readonly long _capacity;
    private readonly object _lock = new();
    private readonly Dictionary<(long Segment, int Block), LinkedListNode<Item>> _map = [];
    private readonly LinkedList<Item> _lru = new(); // most recent first
    private readonly Dictionary<(long Segment, int Block), Lazy<DecodedBlock>> _loading = [];
    private long _bytes;
    private long _hits;
    private long _misses;

    public BlockCache(long capacityBytes) => _capacity = Math.Max(0, capacityBytes);

    private sealed record Item((long Segment, int Block) Key, DecodedBlock Block);

    public long Bytes { get { lock (_lock) return _bytes; } }
    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Returns the block, decoding it with <paramref name="load"/> on a miss.</summary>
    public DecodedBlock Get(long segment, int block, Func<DecodedBlock> load)
    {
        var key = (segment, block);
        Lazy<DecodedBlock> pending;
        bool owner = false;
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                _hits++;
                return node.Value.Block;
            }
            _misses++;
            if (!_loading.TryGetValue(key, out pending!))
            {
                pending = new Lazy<DecodedBlock>(load, LazyThreadSafetyMode.ExecutionAndPublication);
                _loading[key] = pending;
                owner = true;
            }
        }
        if (!owner) return pending.Value;
        DecodedBlock result;
        try
        {
            result = pending.Value;
        }
        catch
        {
            // Lazy caches the exception; forget it so a later read tries again.
            lock (_lock) _loading.Remove(key);
            throw;
        }
        lock (_lock)
        {
            _loading.Remove(key);
            Insert(key, result);
        }
        return result;
    }

    // Caller holds _lock.
    private void Insert((long Segment, int Block) key, DecodedBlock block)
    {
        if (block.Bytes > _capacity || _map.ContainsKey(key)) return;
        _map[key] = _lru.AddFirst(new Item(key, block));
        _bytes += block.Bytes;
        while (_bytes > _capacity && _lru.Last is { } last)
        {
            _lru.RemoveLast();
            _map.Remove(last.Value.Key);
            _bytes -= last.Value.Block.Bytes;
        }
    }

    /// <summary>Drops every block of a retired segment.</summary>
    public void Evict(long segment)
    {
        lock (_lock)
        {
            for (var node = _lru.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Key.Segment == segment)
                {
                    _lru.Remove(node);
                    _map.Remove(node.Value.Key);
                    _bytes -= node.Value.Block.Bytes;
                }
                node = next;
            }
        }
    }
}
