namespace MyNoSql.Storage.Engine;

/// <summary>
/// LRU of decoded segment blocks bounded by bytes, shared by all shards of a store. Thread-safe; a block that several
/// readers miss at once is decoded once (the others wait for that decode). <c>Get</c> returns a referenced
/// block: callers copy what they need and <see cref="DecodedBlock.Release"/> it.
/// </summary>
internal sealed class BlockCache
{
    private static long s_nextCacheId;
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
        // Blocks are sized per segment down to half the largest (8 KiB of 16 KiB): the smallest buffer class fits
        // those, so the cache budget (which counts buffers) is not spent on empty space. Slack covers the slot table
        // and a block's last record overshooting the target size.
        int smallest = Math.Max(1024, blockSize / 2);
        Pool = new BlockBufferPool(smallest + Math.Max(2048, smallest / 4), maxFree: 32);
    }

    /// <summary>A new id for a file whose blocks or pages go into a cache (unique per process, never reused).</summary>
    public static long NewCacheId() => Interlocked.Increment(ref s_nextCacheId);

    /// <summary>Bytes the cache may hold.</summary>
    public long Capacity => _capacity;

    /// <summary>Where segment reads rent decode buffers.</summary>
    public BlockBufferPool Pool { get; }

    private sealed record Item((long Segment, int Block) Key, DecodedBlock Block);

    public long Bytes { get { lock (_lock) return _bytes; } }
    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Returns the block with a reference for the caller, decoding it with <paramref name="load"/> on a miss.</summary>
    public DecodedBlock Get(long segment, int block, Func<DecodedBlock> load) => Get(segment, block, -1, _ => load());

    /// <summary>
    /// Returns a block that covers <paramref name="slot"/> (<see cref="DecodedBlock.Covers"/>) with a reference for the
    /// caller. On a miss <paramref name="load"/> decodes it: its argument is true when a partially decoded copy was
    /// cached and did not cover the slot, so the block is decoded whole this time (it replaces the partial copy).
    /// </summary>
    public DecodedBlock Get(long segment, int block, int slot, Func<bool, DecodedBlock> load)
    {
        var key = (segment, block);
        while (true)
        {
            Lazy<DecodedBlock> pending;
            bool owner = false;
            lock (_lock)
            {
                bool partial = false;
                if (_map.TryGetValue(key, out var node))
                {
                    if (node.Value.Block.Covers(slot) && node.Value.Block.TryAddRef())
                    {
                        _lru.Remove(node);
                        _lru.AddFirst(node);
                        _hits++;
                        return node.Value.Block;
                    }
                    partial = !node.Value.Block.Covers(slot);
                }
                _misses++;
                if (!_loading.TryGetValue(key, out pending!))
                {
                    pending = new Lazy<DecodedBlock>(() => load(partial), LazyThreadSafetyMode.ExecutionAndPublication);
                    _loading[key] = pending;
                    owner = true;
                }
            }
            if (!owner)
            {
                // The owner's block may already be evicted and recycled, or decoded short of this slot; then decode it
                // whole here instead of looping until the owner has inserted its copy (a spin on a busy machine).
                var loaded = pending.Value;
                if (loaded.Covers(slot) && loaded.TryAddRef()) return loaded;
                var whole = load(true); // holds one reference: the caller's
                lock (_lock) Insert(key, whole);
                return whole;
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

    // Caller holds _lock. A block decoded further than the cached copy replaces it.
    private void Insert((long Segment, int Block) key, DecodedBlock block)
    {
        if (block.Bytes > _capacity) return;
        if (_map.TryGetValue(key, out var existing))
        {
            if (existing.Value.Block.DecodedLength >= block.DecodedLength) return;
            _lru.Remove(existing);
            _map.Remove(key);
            _bytes -= existing.Value.Block.Bytes;
            existing.Value.Block.Release();
        }
        if (!block.TryAddRef()) return;
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

    /// <summary>Drops every block (the store closed); their buffers go back to the pool, then to the process's reserve.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            foreach (var item in _lru) item.Block.Release();
            _lru.Clear();
            _map.Clear();
            _bytes = 0;
        }
        Pool.Retire();
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
