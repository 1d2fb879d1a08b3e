using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MyNoSql.Grains.Storage;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

namespace MyNoSql.Grains;

/// <summary>Registers the <c>lzma-shards</c> grain storage.</summary>
public static class LzmaShardStorageExtensions
{
    /// <summary>The storage name the mirror uses by default.</summary>
    public const string DefaultName = "lzma-shards";

    /// <summary>
    /// Adds the <c>lzma-shards</c> grain storage under <paramref name="name"/>: one local store per silo in
    /// <see cref="LzmaShardStorageOptions.Directory"/>, opened when the silo starts. The options are validated
    /// at start; a bad setting stops the silo with the reason.
    /// </summary>
    public static ISiloBuilder AddLzmaShardGrainStorage(this ISiloBuilder builder, string name, Action<LzmaShardStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<LzmaShardStorageOptions>().Configure(configure);
        services.TryAddSingleton<MirrorStoreHost>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<MirrorStoreHost>());
        services.AddGrainStorage(name, (sp, _) => new LzmaShardGrainStorage(sp.GetRequiredService<MirrorStoreHost>(), sp.GetRequiredService<Serializer>()));
        return builder;
    }
}
