namespace MyNoSql.Storage.Indexing;

/// <summary>
/// The sorted in-memory entries of one index not yet in a run. Writers insert under a short lock; scans read in
/// chunks, each under the lock and re-positioned after the last entry returned, so a long scan never holds the lock
/// and sees later inserts or not (either is a valid snapshot for entries validated against the directory).
/// </summary>
internal sealed class MemTable
{
    private const int Chunk = 256;
    private static readonly IndexItem Lowest = new([], 0, 0);
    private static readonly IndexItem Highest = new([0xFF, 0xFF, 0xFF, 0xFF], 0, ulong.MaxValue);
    private readonly SortedSet<IndexItem> _items = new(IndexItem.Order);

    public int Count
    {
        get { lock (_items) return _items.Count; }
    }

    public void Add(IndexItem item)
    {
        lock (_items) _items.Add(item);
    }

    /// <summary>Whether an entry for (<paramref name="entry"/>, <paramref name="sequence"/>) is here.</summary>
    public bool Contains(byte[] entry, ulong sequence)
    {
        lock (_items) return _items.Contains(new IndexItem(entry, 0, sequence));
    }

    /// <summary>Every entry, in order (for a flush: the table no longer takes inserts).</summary>
    public IReadOnlyList<IndexItem> Snapshot()
    {
        lock (_items) return [.. _items];
    }

    /// <summary>Entries from the first ≥ <paramref name="bound"/> (ascending) or the last &lt; it (descending);
    /// a null bound starts at the matching end.</summary>
    public IEnumerable<IndexItem> Scan(byte[]? bound, bool descending)
    {
        // Sequence 0 is never a record's (lsns start at 1), so (bound, 0) sorts before every entry equal to bound.
        var low = !descending && bound is not null ? new IndexItem(bound, 0, 0) : Lowest;
        var high = descending && bound is not null ? new IndexItem(bound, 0, 0) : Highest;
        IndexItem? resume = null; // the last entry returned: the next chunk starts strictly after it
        var buffer = new List<IndexItem>(Chunk);
        while (true)
        {
            buffer.Clear();
            lock (_items)
            {
                if (IndexItem.Order.Compare(low, high) > 0) yield break;
                var view = _items.GetViewBetween(low, high);
                foreach (var item in descending ? view.Reverse() : view)
                {
                    if (resume is not null && (descending ? IndexItem.Order.Compare(item, resume) >= 0 : IndexItem.Order.Compare(item, resume) <= 0)) continue;
                    if (descending && bound is not null && item.Entry.AsSpan().SequenceCompareTo(bound) >= 0) continue;
                    buffer.Add(item);
                    if (buffer.Count == Chunk) break;
                }
            }
            foreach (var item in buffer) yield return item;
            if (buffer.Count < Chunk) yield break;
            resume = buffer[^1];
            if (descending) high = resume;
            else low = resume;
        }
    }
}
