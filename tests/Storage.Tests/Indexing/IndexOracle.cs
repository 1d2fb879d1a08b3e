using MyNoSql.Storage.Indexing;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Tests.Indexing;

/// <summary>The brute-force answer an index scan must equal: every live document read whole, keyed with
/// <see cref="CollationKey.ForDocument"/>, sorted by (key, id ordinal), filtered by the range and the resume point.</summary>
internal static class IndexOracle
{
    public static async Task<List<(string Key, string Id)>> ExpectedAsync(IQuerySource source, IndexDefinition definition, KeyRange range, bool descending, IndexHit? after = null)
    {
        var all = new List<(byte[] Key, string Id)>();
        foreach (string id in source.LiveIds(null).ToList())
        {
            var doc = (await source.ReadLiveAsync(id, CancellationToken.None)).Doc;
            if (doc is null) continue;
            var key = CollationKey.ForDocument(doc, definition.Paths);
            if (range.Contains(key)) all.Add((key, id));
        }
        all.Sort((a, b) => Compare(a.Key, a.Id, b.Key, b.Id));
        if (descending) all.Reverse();
        if (after is { } a)
        {
            var ak = a.Key.ToArray();
            all = [.. all.Where(e => descending ? Compare(e.Key, e.Id, ak, a.Id) < 0 : Compare(e.Key, e.Id, ak, a.Id) > 0)];
        }
        return [.. all.Select(e => (Convert.ToHexString(e.Key), e.Id))];
    }

    public static List<(string Key, string Id)> Actual(ISecondaryIndex index, KeyRange range, bool descending, IndexHit? after = null) =>
        [.. index.Scan(range, descending, after).Select(h => (Convert.ToHexString(h.Key.Span), h.Id))];

    /// <summary>Asserts index == oracle for a spread of ranges, both directions, with and without a resume point.</summary>
    public static async Task AssertSameAsync(IQuerySource source, ISecondaryIndex index, Random random)
    {
        var full = Actual(index, KeyRange.All, false);
        var ranges = new List<KeyRange> { KeyRange.All };
        if (full.Count > 0)
        {
            for (int i = 0; i < 4; i++)
            {
                var a = Convert.FromHexString(full[random.Next(full.Count)].Key);
                var b = Convert.FromHexString(full[random.Next(full.Count)].Key);
                if (a.AsSpan().SequenceCompareTo(b) > 0) (a, b) = (b, a);
                int cut = random.Next(1, a.Length + 1);
                ranges.Add(new KeyRange(a, random.Next(2) == 0, b, random.Next(2) == 0, LowIsPrefix: false, HighIsPrefix: false));
                ranges.Add(new KeyRange(a[..cut], random.Next(2) == 0, b[..Math.Min(cut, b.Length)], random.Next(2) == 0));
                ranges.Add(KeyRange.Prefix(a[..cut]));
            }
        }
        foreach (var range in ranges)
        {
            foreach (bool descending in new[] { false, true })
            {
                var expected = await ExpectedAsync(source, index.Definition, range, descending);
                var actual = Actual(index, range, descending);
                Assert.Equal(expected, actual);
                if (actual.Count > 1)
                {
                    var (k, id) = actual[random.Next(actual.Count)];
                    var after = new IndexHit(Convert.FromHexString(k), id);
                    Assert.Equal(await ExpectedAsync(source, index.Definition, range, descending, after), Actual(index, range, descending, after));
                }
            }
        }
        // Each live document once.
        Assert.Equal(full.Count, full.Select(e => e.Id).Distinct().Count());
    }

    private static int Compare(byte[] ak, string aid, byte[] bk, string bid)
    {
        int c = ak.AsSpan().SequenceCompareTo(bk);
        return c != 0 ? c : string.CompareOrdinal(aid, bid);
    }
}
