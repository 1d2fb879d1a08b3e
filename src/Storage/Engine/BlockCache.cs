namespace MyNoSql.Storage.Engine;

/// <summary>
/// LRU of decoded segment blocks bounded by bytes, shared by all shards of a store. Thread-safe; a block that several
/// readers miss at once is decoded once (the others wait for that decode). <see cref="Get"/> returns a referenced
/// block: callers copy what they need and <see cref="DecodedBlock.Release"/> it.
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

    public BlockCache(long capacityBytes, int blockSize)
    {
        _capacity = Math.Max(0, capacityBytes);
        // Slack covers the slot table and a block's last record overshooting the target size.
        Pool = new BlockBufferPool(blockSize + Math.Max(4096, blockSize / 4), maxFree: 32);
    }

    /// <summary>Where segment reads rent decode buffers.</summary>
    public BlockBufferPool Pool { get; }

    private sealed record Item((long Segment, int Block) Key, DecodedBlock Block);

    public long Bytes { get { lock (_lock) return _bytes; } }
    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Returns the block with a reference for the caller, decoding it with <paramref name="load"/> on a miss.</summary>
    public DecodedBlock Get(long segment, int block, Func<DecodedBlock> load)
    {
        var key = (segment, block);
        while (true)
        {
            Lazy<DecodedBlock> pending;
            bool owner = false;
            lock (_lock)
            {
                if (_map.TryGetValue(key, out var node) && node.Value.Block.TryAddRef())
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
            if (!owner)
            {
                // The owner's block may already be evicted and recycled; then look again.
                if (pending.Value.TryAddRef()) return pending.Value;
                continue;
            }
            DecodedBlock result;
            try
            {
                result = pending.Value; // holds one reference: the caller's
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
    }

    // Caller holds _lock.
    private void Insert((long Segment, int Block) key, DecodedBlock block)
    {
        if (block.Bytes > _capacity || _map.ContainsKey(key) || !block.TryAddRef()) return;
        _map[key] = _lru.AddFirst(new Item(key, block));
        _bytes += block.Bytes;
        while (_bytes > _capacity && _lru.Last is { } last)
        {
            _lru.RemoveLast();
            _map.Remove(last.Value.Key);
            _bytes -= last.Value.Block.Bytes;
            last.Value.Block.Release();
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
                    node.Value.Block.Release();
                }
                node = next;
            }
        }
    }
}
