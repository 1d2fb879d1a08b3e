using MyNoSql.Storage.Indexing;

namespace MyNoSql.Storage.Tests.Indexing;

public class ComposedDocumentCacheTests
{
    [Fact]
    public void A_document_is_found_only_at_its_version_and_the_least_recent_go_first_past_the_capacity()
    {
        var cache = new ComposedDocumentCache(1000);
        cache.Put("a", 1, new byte[100]);
        Assert.NotNull(cache.Get("a", 1));
        Assert.Null(cache.Get("a", 2)); // the directory moved on: a miss, never the old body
        cache.Put("a", 2, new byte[50]);
        Assert.Null(cache.Get("a", 1));
        Assert.Equal(50, cache.Get("a", 2)!.Length);
        for (int i = 0; i < 5; i++) cache.Put($"k{i}", 1, new byte[100]);
        Assert.NotNull(cache.Get("a", 2)); // used: now the most recent
        for (int i = 5; i < 8; i++) cache.Put($"k{i}", 1, new byte[100]);
        Assert.NotNull(cache.Get("a", 2));
        Assert.Null(cache.Get("k0", 1));
        cache.Put("huge", 1, new byte[600]); // over a quarter of the capacity: not kept
        Assert.Null(cache.Get("huge", 1));
    }
}
