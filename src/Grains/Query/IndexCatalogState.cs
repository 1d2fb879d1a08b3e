namespace MyNoSql.Grains.Query;

/// <summary>Persistent state of <see cref="IndexCatalogGrain"/>.</summary>
[GenerateSerializer, Alias("mynosql.IndexCatalogState")]
internal sealed class IndexCatalogState
{
    [Id(0)]
    public long Version { get; set; }

    [Id(1)]
    public List<IndexSpec> Indexes { get; set; } = [];

    public IndexCatalog ToCatalog() => new(Version, [.. Indexes]);
}
