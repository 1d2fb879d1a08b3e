namespace MyNoSql.Storage.Indexing;

/// <summary>K-way merge of sorted entry streams (memtables and runs) in <see cref="IndexItem.Order"/>, or its reverse.</summary>
internal static class ItemMerge
{
    private static readonly IComparer<IndexItem> Reverse = Comparer<IndexItem>.Create(static (a, b) => IndexItem.Order.Compare(b, a));

    /// <summary>Every entry of every source, in order; entries equal in (entry, sequence) come out once.</summary>
    public static IEnumerable<IndexItem> Merge(IReadOnlyList<IEnumerable<IndexItem>> sources, bool descending)
    {
        var order = descending ? Reverse : IndexItem.Order;
        var enumerators = new List<IEnumerator<IndexItem>>(sources.Count);
        try
        {
            var queue = new PriorityQueue<IEnumerator<IndexItem>, IndexItem>(sources.Count, order);
            foreach (var source in sources)
            {
                var e = source.GetEnumerator();
                enumerators.Add(e);
                if (e.MoveNext()) queue.Enqueue(e, e.Current);
            }
            IndexItem? last = null;
            while (queue.TryDequeue(out var e, out var item))
            {
                if (last is null || order.Compare(last, item) != 0) yield return item;
                last = item;
                if (e.MoveNext()) queue.Enqueue(e, e.Current);
            }
        }
        finally
        {
            foreach (var e in enumerators) e.Dispose();
        }
    }
}
