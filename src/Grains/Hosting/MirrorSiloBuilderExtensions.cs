using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Merging;
using MyNoSql.Grains.Query;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains;

/// <summary>Adds the mirror's grains and services to a silo.</summary>
public static class MirrorSiloBuilderExtensions
{
    /// <summary>
    /// Adds the record and index-segment grains' services, this silo's hybrid logical clock, the merge policies
    /// (<see cref="IMergePolicyGrain"/>, kept on every silo by <see cref="IMergePolicyService"/>), the per-silo <see cref="IMirrorService"/>, replication,
    /// anti-entropy, <see cref="IMirrorDirectory"/>, and the queries on each silo's own copy (per-silo indexes
    /// reconciled with the cluster-wide index catalog, <see cref="IIndexService"/>). The grain storage named by
    /// <see cref="MirrorGrainOptions.StorageName"/> must be added separately (e.g. <c>AddLzmaShardGrainStorage</c>).
    /// </summary>
    public static ISiloBuilder AddMyNoSqlMirror(this ISiloBuilder builder, Action<MirrorGrainOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        // Record grains are collected after 20 s idle (RecordGrain.Lifetime.cs): with Orleans' default collection period of a
        // minute they would stay up to 80 s.
        services.PostConfigure<Orleans.Configuration.GrainCollectionOptions>(o =>
        {
            if (o.CollectionQuantum > Records.RecordGrain.CollectionQuantum) o.CollectionQuantum = Records.RecordGrain.CollectionQuantum;
        });
        services.AddOptions<MirrorGrainOptions>().Configure(configure)
            .Validate(o => o.Validate() is null, "Invalid mirror options (see MirrorGrainOptions.Validate).")
            .ValidateOnStart();
        // --replicas N (DESIGN §12): the options are read once here, as the placement director is chosen at registration.
        var probe = new MirrorGrainOptions();
        configure(probe);
        Placement.ReplicaRegistration.Add(services, probe.Replicas);
        builder.AddIncomingGrainCallFilter<Storage.StorageFullCallFilter>(); // a full disk: 503 at any gateway, not 500
        services.TryAddSingleton<IMirrorServiceClient, MirrorServiceClient>();
        services.TryAddSingleton<IMirrorLocalAccess>(sp => sp.GetRequiredService<IMirrorServiceClient>());
        services.TryAddSingleton<Replicator>();
        services.TryAddSingleton<Sync.PushReplication>();
        services.TryAddSingleton<Sync.MirrorBatchAccept>();
        services.TryAddSingleton<Sync.MirrorLocalFetch>();
        services.TryAddSingleton<IMirrorDirectory, MirrorDirectory>();
        services.TryAddSingleton<AntiEntropyWorker>();
        services.TryAddSingleton<Changes.ChangeWaiters>();
        services.TryAddSingleton<IIndexServiceClient, IndexServiceClient>();
        services.TryAddSingleton<MirrorIndexes>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<MirrorIndexes>());
        services.TryAddSingleton<AcknowledgedWrites>();
        // This silo's hybrid logical clock: stamps of the revisions it makes and of merge-policy changes (DESIGN §8).
        services.TryAddSingleton(_ => new HybridClock(TimeProvider.System));
        services.TryAddSingleton<MergePolicies>();
        services.TryAddSingleton<IMergePolicyServiceClient, MergePolicyServiceClient>();
        services.TryAddSingleton<MirrorQueries>();
        services.TryAddSingleton<Locks.ILockServiceClient, Locks.LockServiceClient>(); // locks (DESIGN §9)
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            sp.GetRequiredService<IOptions<MirrorGrainOptions>>().Value.Replicate && sp.GetService<Storage.MirrorStoreHost>() is not null
                ? sp.GetRequiredService<AntiEntropyWorker>()
                : NoParticipant.Instance);
        services.TryAddSingleton<DatabaseDrops>(); // DELETE /db/{db} (src/Silo/Gateway/DropDatabase.md)
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DatabaseDrops>());
        builder.AddGrainService<MirrorService>();
        builder.AddGrainService<IndexService>();
        builder.AddGrainService<MergePolicyService>();
        builder.AddGrainService<Locks.LockService>();
        return builder;
    }

    private sealed class NoParticipant : ILifecycleParticipant<ISiloLifecycle>
    {
        public static readonly NoParticipant Instance = new();

        public void Participate(ISiloLifecycle observer) { }
    }
}
