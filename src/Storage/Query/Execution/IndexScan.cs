namespace MyNoSql.Storage.Query;

/// <summary>Scans a union of key ranges of one index as one sequence in (key, id) order, lazily.</summary>
internal static class IndexScan
{
    /// <summary>
    /// The entries of <paramref name="ranges"/> in (key, id) order (reversed when <paramref name="descending"/>),
    /// each once (ranges may overlap), strictly after <paramref name="after"/> when given. A k-way merge: each range
    /// is read only as far as the caller enumerates.
    /// </summary>
    public static IEnumerable<IndexHit> Merge(ISecondaryIndex index, IReadOnlyList<KeyRange> ranges, bool descending, IndexHit? after)
    {
        if (ranges.Count == 1)
        {
            foreach (var hit in index.Scan(ranges[0], descending, after))
                if (after is null || Compare(hit, after.Value, descending) > 0) yield return hit; // in case a scan ignores after
            yield break;
        }
        var heads = new IEnumerator<IndexHit>[ranges.Count];
        int live = 0;
        try
        {
            foreach (var range in ranges)
            {
                var e = index.Scan(range, descending, after).GetEnumerator();
                if (e.MoveNext()) heads[live++] = e;
                else e.Dispose();
            }
            IndexHit? previous = after;
            while (live > 0)
            {
                int best = 0;
                for (int j = 1; j < live; j++)
                    if (Compare(heads[j].Current, heads[best].Current, descending) < 0) best = j;
                var hit = heads[best].Current;
                if (!heads[best].MoveNext())
                {
                    heads[best].Dispose();
                    heads[best] = heads[--live];
                    heads[live] = null!;
                }
                if (previous is not null && Compare(hit, previous.Value, descending) <= 0) continue; // overlap or before after
                previous = hit;
                yield return hit;
            }
        }
        finally
        {
            for (int j = 0; j < live; j++) heads[j].Dispose();
        }
    }

    /// <summary>(key, id) order, reversed when <paramref name="descending"/>.</summary>
    public static int Compare(IndexHit a, IndexHit b, bool descending)
    {
        int c = a.Key.Span.SequenceCompareTo(b.Key.Span);
        if (c == 0) c = string.CompareOrdinal(a.Id, b.Id);
        return descending ? -c : c;
    }
}
