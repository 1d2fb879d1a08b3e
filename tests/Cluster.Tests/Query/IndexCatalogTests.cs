using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Grains;
using MyNoSql.Grains.Query;
using MyNoSql.Grains.Storage;
using Orleans.TestingHost;

namespace MyNoSql.Cluster.Tests.Query;

/// <summary>
/// The cluster-wide index catalog (<see cref="IIndexCatalogGrain"/>): a change reaches every silo's own indexes before
/// it is acknowledged, and a catalog grain that reactivates on a silo whose store never saw its state recovers the
/// newest version from the silos (it never goes back to an older version).
/// </summary>
[Collection(CatalogClusterCollection.Name)]
public sealed class IndexCatalogTests(LaggingClusterFixture fixture)
{
    [Fact]
    public async Task A_change_reaches_every_silo_and_the_catalog_survives_losing_the_silo_that_stored_it()
    {
        var cluster = fixture.Cluster;
        // A database whose catalog grain lives on a secondary silo (the primary holds membership: never stopped).
        string db = "";
        InProcessSiloHandle? host = null;
        for (int attempt = 0; attempt < 20 && host is null; attempt++)
        {
            db = $"catalog-{attempt}";
            var reply = await cluster.Client.GetGrain<IIndexCatalogGrain>(db).Create(new IndexSpec("by-a", ["a"]));
            Assert.Equal(IndexCreateStatus.Created, reply.Status);
            foreach (var silo in cluster.Silos.Skip(1).Cast<InProcessSiloHandle>())
            {
                var store = await silo.ServiceProvider.GetRequiredService<MirrorStoreHost>().Store;
                if ((await store.ReadStateAsync($"indexcatalog/idxcat/{db}")).Payload is not null) host = silo;
            }
        }
        Assert.NotNull(host);

        // Acknowledged only once every silo applied it.
        foreach (var silo in cluster.Silos.Cast<InProcessSiloHandle>())
        {
            var indexes = silo.ServiceProvider.GetRequiredService<MirrorIndexes>();
            var known = await indexes.KnownAsync(db, CancellationToken.None);
            Assert.Equal(1, known?.Version);
            var source = await indexes.SourceAsync(db, CancellationToken.None);
            Assert.Equal(["by-a"], source.Indexes.Select(i => i.Definition.Name));
        }

        await cluster.StopSiloAsync(host);
        var catalog = cluster.Client.GetGrain<IIndexCatalogGrain>(db);
        var recovered = await catalog.Get();
        Assert.Equal(1, recovered.Version);
        Assert.Equal("by-a", Assert.Single(recovered.Indexes).Name);

        Assert.Equal(IndexCreateStatus.Exists, (await catalog.Create(new IndexSpec("by-a", ["a"]))).Status);
        Assert.Equal(IndexCreateStatus.Conflict, (await catalog.Create(new IndexSpec("by-a", ["b"]))).Status);
        Assert.Equal(IndexCreateStatus.Invalid, (await catalog.Create(new IndexSpec("bad name", ["b"]))).Status);
        Assert.Equal(IndexCreateStatus.Created, (await catalog.Create(new IndexSpec("by-b", ["b"]))).Status);
        Assert.True(await catalog.Delete("by-a"));
        Assert.False(await catalog.Delete("by-a"));
        foreach (var silo in cluster.Silos.Cast<InProcessSiloHandle>())
        {
            var indexes = silo.ServiceProvider.GetRequiredService<MirrorIndexes>();
            Assert.Equal(3, (await indexes.KnownAsync(db, CancellationToken.None))?.Version);
            var source = await indexes.SourceAsync(db, CancellationToken.None);
            Assert.Equal(["by-b"], source.Indexes.Select(i => i.Definition.Name));
        }
    }
}
