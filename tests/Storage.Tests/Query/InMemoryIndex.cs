using System.Text.Json.Nodes;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Tests.Query;

/// <summary>A secondary index as a sorted list of (CollationKey.ForDocument, id): the contract the disk index keeps.</summary>
internal sealed class InMemoryIndex : ISecondaryIndex
{
    private readonly List<(byte[] Key, string Id)> _entries;

    public InMemoryIndex(string name, IReadOnlyList<string> fields, IEnumerable<JsonObject> liveDocuments)
    {
        Definition = new IndexDefinition(name, fields);
        _entries = [.. liveDocuments.Select(d => (CollationKey.ForDocument(d, Definition.Paths), d["id"]!.GetValue<string>()))];
        _entries.Sort((a, b) => Compare(a.Key, a.Id, b.Key, b.Id));
    }

    public IndexDefinition Definition { get; }

    /// <summary>How many entries scans have yielded (to see that scans are lazy).</summary>
    public int Yielded { get; private set; }

    public IEnumerable<IndexHit> Scan(KeyRange range, bool descending, IndexHit? after = null)
    {
        for (int n = 0; n < _entries.Count; n++)
        {
            var (key, id) = _entries[descending ? _entries.Count - 1 - n : n];
            if (!range.Contains(key)) continue;
            if (after is { } a)
            {
                int c = Compare(key, id, a.Key.ToArray(), a.Id);
                if (descending ? c >= 0 : c <= 0) continue;
            }
            Yielded++;
            yield return new IndexHit(key, id);
        }
    }

    private static int Compare(byte[] ka, string ia, byte[] kb, string ib)
    {
        int c = CollationKey.Compare(ka, kb);
        return c != 0 ? c : string.CompareOrdinal(ia, ib);
    }
}
