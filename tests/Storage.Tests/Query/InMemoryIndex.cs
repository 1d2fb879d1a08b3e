using System.Text.Json.Nodes;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Tests.Query;

/// <summary>
/// A secondary index as a sorted list of (CollationKey.ForDocument, id): the contract the disk index keeps. Hits carry
/// the indexed document's <see cref="DocumentVersions"/> number; given <c>current</c>, an entry whose document was
/// replaced since is yielded stale with version 0 (unknown), so the executor's re-check is what drops it.
/// </summary>
internal sealed class InMemoryIndex : ISecondaryIndex
{
    private readonly List<(byte[] Key, string Id, JsonObject Doc)> _entries;
    private readonly Func<string, JsonObject?>? _current;

    public InMemoryIndex(string name, IReadOnlyList<string> fields, IEnumerable<JsonObject> liveDocuments, Func<string, JsonObject?>? current = null)
    {
        Definition = new IndexDefinition(name, fields);
        _current = current;
        _entries = [.. liveDocuments.Select(d => (CollationKey.ForDocument(d, Definition.Paths), d["id"]!.GetValue<string>(), d))];
        _entries.Sort((a, b) => Compare(a.Key, a.Id, b.Key, b.Id));
    }

    public IndexDefinition Definition { get; }

    /// <summary>How many entries scans have yielded (to see that scans are lazy).</summary>
    public int Yielded { get; private set; }

    public IEnumerable<IndexHit> Scan(KeyRange range, bool descending, IndexHit? after = null)
    {
        // AboveLow holds on a suffix of the sorted entries and BelowHigh on a prefix: binary search both ends.
        int first = FirstWhere(e => range.AboveLow(e.Key)), end = FirstWhere(e => !range.BelowHigh(e.Key));
        for (int n = 0; n < end - first; n++)
        {
            var (key, id, doc) = _entries[descending ? end - 1 - n : first + n];
            if (after is { } a)
            {
                int c = Compare(key, id, a.Key.ToArray(), a.Id);
                if (descending ? c >= 0 : c <= 0) continue;
            }
            Yielded++;
            bool current = _current is null || ReferenceEquals(_current(id), doc);
            yield return new IndexHit(key, id, current ? DocumentVersions.Of(doc) : 0);
        }
    }

    private int FirstWhere(Func<(byte[] Key, string Id, JsonObject Doc), bool> predicate)
    {
        int lo = 0, hi = _entries.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (predicate(_entries[mid])) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    private static int Compare(byte[] ka, string ia, byte[] kb, string ib)
    {
        int c = CollationKey.Compare(ka, kb);
        return c != 0 ? c : string.CompareOrdinal(ia, ib);
    }
}
