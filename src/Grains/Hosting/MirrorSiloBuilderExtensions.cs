using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Query;

namespace MyNoSql.Grains;

/// <summary>Adds the mirror's grains and services to a silo.</summary>
public static class MirrorSiloBuilderExtensions
{
    /// <summary>
    /// Adds the record and index-segment grains' services, the per-silo <see cref="IMirrorService"/>, replication,
    /// anti-entropy, <see cref="IMirrorDirectory"/>, and the queries on each silo's own copy (per-silo indexes
    /// reconciled with the cluster-wide index catalog, <see cref="IIndexService"/>). The grain storage named by
    /// <see cref="MirrorGrainOptions.StorageName"/> must be added separately (e.g. <c>AddLzmaShardGrainStorage</c>).
    /// </summary>
    public static ISiloBuilder AddMyNoSqlMirror(this ISiloBuilder builder, Action<MirrorGrainOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<MirrorGrainOptions>().Configure(configure)
            .Validate(o => o.Validate() is null, "Invalid mirror options (see MirrorGrainOptions.Validate).")
            .ValidateOnStart();
        services.TryAddSingleton<IMirrorServiceClient, MirrorServiceClient>();
        services.TryAddSingleton<IMirrorLocalAccess>(sp => sp.GetRequiredService<IMirrorServiceClient>());
        services.TryAddSingleton<Replicator>();
        services.TryAddSingleton<IMirrorDirectory, MirrorDirectory>();
        services.TryAddSingleton<AntiEntropyWorker>();
        services.TryAddSingleton<Changes.ChangeWaiters>();
        services.TryAddSingleton<IIndexServiceClient, IndexServiceClient>();
        services.TryAddSingleton<MirrorIndexes>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<MirrorIndexes>());
        services.TryAddSingleton<AcknowledgedWrites>();
        services.TryAddSingleton<MirrorQueries>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            sp.GetRequiredService<IOptions<MirrorGrainOptions>>().Value.Replicate && sp.GetService<Storage.MirrorStoreHost>() is not null
                ? sp.GetRequiredService<AntiEntropyWorker>()
                : NoParticipant.Instance);
        builder.AddGrainService<MirrorService>();
        builder.AddGrainService<IndexService>();
        return builder;
    }

    private sealed class NoParticipant : ILifecycleParticipant<ISiloLifecycle>
    {
        public static readonly NoParticipant Instance = new();

        public void Participate(ISiloLifecycle observer) { }
    }
}
