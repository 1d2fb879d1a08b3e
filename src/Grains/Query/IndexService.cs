using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MyNoSql.Grains.Query;

/// <summary><see cref="IIndexService"/>: one per silo, in front of this silo's <see cref="MirrorIndexes"/>.</summary>
internal sealed class IndexService : GrainService, IIndexService
{
    private readonly MirrorIndexes _indexes;

    public IndexService(GrainId grainId, Silo silo, ILoggerFactory loggerFactory, IServiceProvider services)
        : base(grainId, silo, loggerFactory)
    {
        _indexes = services.GetRequiredService<MirrorIndexes>();
    }

    public Task<IndexCatalog?> GetKnown(string database, CancellationToken cancellationToken = default) =>
        _indexes.KnownAsync(database, cancellationToken);

    public Task Apply(string database, IndexCatalog catalog, CancellationToken cancellationToken = default) =>
        _indexes.ApplyAsync(database, catalog, cancellationToken);
}
