using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// Plans and runs Mango queries over an <see cref="IQuerySource"/> (a peer's database or one database on a mirror).
/// The index narrows; every candidate is read and the full selector re-evaluated, so stale or absent entries are
/// skipped and index answers equal full-scan answers — except when the plan is <see cref="QueryPlan.Exact"/> and the
/// document was read at its entry's version: its key is in the ranges, so it matches (no JSON walk). An exact count
/// reads nothing: each current entry in the ranges is one match. <c>skip</c> applies on every page, after the bookmark.
/// </summary>
internal static class QueryEngine
{
    /// <summary>One page of the answer to <paramref name="query"/>.</summary>
    /// <exception cref="BadQueryException">The bookmark belongs to another query or plan, or a <c>$regex</c> timed out.</exception>
    public static async ValueTask<QueryResult> FindAsync(IQuerySource source, MangoQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(query);
        var plan = QueryPlanner.Plan(source, query.Selector, query.Sort, query.UseIndex);
        string? index = plan.Index?.Definition.Name;
        string fingerprint = Bookmark.FingerprintOf(query.Selector, query.Sort);
        var after = query.Bookmark is null ? null : Bookmark.Decode(query.Bookmark, fingerprint);
        if (query.Limit == 0) return new QueryResult([], null, index, plan.Warning);

        var page = plan.SortServed
            ? await StreamAsync(source, query, plan, fingerprint, after, cancellationToken).ConfigureAwait(false)
            : await SortAsync(source, query, plan, fingerprint, after, cancellationToken).ConfigureAwait(false);
        return new QueryResult(page.Docs, page.Bookmark, index, plan.Warning);
    }

    /// <summary>The number of live documents matching <paramref name="selector"/> (through an index only when one narrows: without a sort the planner never picks a full index scan).</summary>
    public static async ValueTask<long> CountAsync(IQuerySource source, Selector selector, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(selector);
        var plan = QueryPlanner.Plan(source, selector, []);
        long count = 0;
        foreach (var hit in Candidates(source, plan, null))
        {
            cancellationToken.ThrowIfCancellationRequested(); // a source may answer synchronously
            // A known version means the index checked the entry is current (ISecondaryIndex drops stale ones).
            if (plan.Exact && hit.Version != 0)
            {
                count++;
                continue;
            }
            var live = await source.ReadLiveAsync(hit.Id, cancellationToken).ConfigureAwait(false);
            if (live.Doc is not null && selector.Matches(live.Doc)) count++;
        }
        return count;
    }

    /// <summary>The plan <see cref="FindAsync"/> would use, as JSON (<c>{"index", "ranges", "sort_served", ...}</c>).</summary>
    public static JsonObject Explain(IQuerySource source, MangoQuery query)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(query);
        var plan = QueryPlanner.Plan(source, query.Selector, query.Sort, query.UseIndex);
        var explain = new JsonObject
        {
            ["index"] = plan.Index?.Definition.Name,
            ["fields"] = new JsonArray([.. (plan.Index?.Definition.Fields ?? []).Select(f => (JsonNode?)f)]),
            ["ranges"] = new JsonArray([.. plan.RangeDescriptions.Select(r => (JsonNode?)r)]),
            ["equality_fields"] = plan.EqualityFields,
            ["range"] = plan.HasRange,
            ["descending"] = plan.Descending,
            ["sort_served"] = plan.SortServed,
            ["full_scan"] = plan.FullScan,
            ["exact"] = plan.Exact,
            ["selector"] = query.Selector is SelectorNode node ? node.ToJson() : null,
            ["sort"] = new JsonArray([.. query.Sort.Select(s => (JsonNode?)new JsonObject { [s.Path.Text] = s.Descending ? "desc" : "asc" })]),
            ["limit"] = query.Limit,
            ["skip"] = query.Skip,
        };
        if (query.Fields is not null) explain["projection"] = new JsonArray([.. query.Fields.Select(f => (JsonNode?)f.Text)]);
        if (plan.Warning is not null) explain["warning"] = plan.Warning;
        return explain;
    }

    // The plan's order is the answer's: read candidates in order, stop one match past the page.
    private static async ValueTask<(List<JsonObject> Docs, string? Bookmark)> StreamAsync(
        IQuerySource source, MangoQuery query, QueryPlan plan, string fingerprint, Bookmark? after, CancellationToken cancellationToken)
    {
        IndexHit? resume = null;
        if (after is not null)
        {
            if (after.Values is not null || after.Index != Identity(plan.Index) || (after.Key is null) != (plan.Index is null))
                throw PlanChanged();
            resume = new IndexHit(after.Key ?? ReadOnlyMemory<byte>.Empty, after.Id);
        }
        var docs = new List<JsonObject>(Math.Min(query.Limit, 128));
        int skipped = 0;
        IndexHit last = default;
        bool more = false;
        foreach (var hit in Candidates(source, plan, resume))
        {
            cancellationToken.ThrowIfCancellationRequested(); // a source may answer synchronously
            var live = await source.ReadLiveAsync(hit.Id, cancellationToken).ConfigureAwait(false);
            if (live.Doc is not { } doc || !Matches(plan, query.Selector, hit, live)) continue;
            if (skipped < query.Skip)
            {
                skipped++;
                continue;
            }
            if (docs.Count == query.Limit)
            {
                more = true;
                break;
            }
            docs.Add(Projection.Apply(doc, query.Fields));
            last = hit;
        }
        string? bookmark = more
            ? new Bookmark { Fingerprint = fingerprint, Id = last.Id, Index = Identity(plan.Index), Key = plan.Index is null ? null : last.Key.ToArray() }.Encode()
            : null;
        return (docs, bookmark);
    }

    // The sort is not the plan's order: keep the best skip + limit + 1 matches in a bounded heap (worst on top).
    private static async ValueTask<(List<JsonObject> Docs, string? Bookmark)> SortAsync(
        IQuerySource source, MangoQuery query, QueryPlan plan, string fingerprint, Bookmark? after, CancellationToken cancellationToken)
    {
        var comparer = new SortEntryComparer(query.Sort);
        SortEntry? resume = null;
        if (after is not null)
        {
            if (after.Values is null || after.Values.Length != query.Sort.Count) throw PlanChanged();
            resume = new SortEntry(null, after.Values, after.Id);
        }
        int keep = (int)Math.Min((long)query.Skip + query.Limit + 1, int.MaxValue);
        var worstFirst = Comparer<SortEntry>.Create((a, b) => comparer.Compare(b, a));
        var heap = new PriorityQueue<SortEntry, SortEntry>(worstFirst);
        foreach (var hit in Candidates(source, plan, null))
        {
            cancellationToken.ThrowIfCancellationRequested(); // a source may answer synchronously
            var live = await source.ReadLiveAsync(hit.Id, cancellationToken).ConfigureAwait(false);
            if (live.Doc is not { } doc || !Matches(plan, query.Selector, hit, live)) continue;
            var entry = new SortEntry(doc, comparer.ValuesOf(doc), hit.Id);
            if (resume is not null && comparer.Compare(entry, resume) <= 0) continue;
            if (heap.Count < keep) heap.Enqueue(entry, entry);
            else if (comparer.Compare(entry, heap.Peek()) < 0) heap.DequeueEnqueue(entry, entry);
        }
        var best = new SortEntry[heap.Count];
        for (int i = best.Length - 1; i >= 0; i--) best[i] = heap.Dequeue();
        int end = (int)Math.Min((long)query.Skip + query.Limit, best.Length);
        var docs = new List<JsonObject>(Math.Max(0, end - query.Skip));
        for (int i = query.Skip; i < end; i++) docs.Add(Projection.Apply(best[i].Document!, query.Fields));
        string? bookmark = best.Length > end && docs.Count > 0
            ? new Bookmark { Fingerprint = fingerprint, Id = best[end - 1].Id, Values = best[end - 1].Values }.Encode()
            : null;
        return (docs, bookmark);
    }

    // Read at the entry's version, the body is the one the in-range key was made from: an exact plan needs no walk.
    private static bool Matches(QueryPlan plan, Selector selector, IndexHit hit, LiveDocument live) =>
        (plan.Exact && hit.Version != 0 && live.Version == hit.Version) || selector.Matches(live.Doc!);

    /// <summary>The plan's candidates in its order: index entries of its ranges, or every live id (with an empty key).</summary>
    private static IEnumerable<IndexHit> Candidates(IQuerySource source, QueryPlan plan, IndexHit? after)
    {
        if (plan.Index is not null) return IndexScan.Merge(plan.Index, plan.Ranges, plan.Descending, after);
        return Ids(source.LiveIds(after?.Id));

        static IEnumerable<IndexHit> Ids(IEnumerable<string> ids)
        {
            foreach (string id in ids) yield return new IndexHit(ReadOnlyMemory<byte>.Empty, id);
        }
    }

    // Name and fields: a bookmark never resumes an index recreated under the same name with other fields.
    private static string? Identity(ISecondaryIndex? index) =>
        index is null ? null : $"{index.Definition.Name}({string.Join(", ", index.Definition.Fields)})";

    private static BadQueryException PlanChanged() =>
        new("bookmark", "the query's plan changed since this bookmark was made (an index was created or deleted); start again without a bookmark");
}
