using System.Buffers;
using System.Runtime.CompilerServices;
using Orleans.Networking.Shared;

namespace MyNoSql.Silo.Hosting;

/// <summary>
/// Gives Orleans' connections the gateway's 64 KiB receive blocks (<see cref="Gateway.ReceiveBlockPool"/>) instead of
/// Orleans' 4 KiB slabs. A connection receives into one block at a time, so a 1 MiB attachment chunk copied between
/// mirrors took 256 or more receive calls, each dear on this project's VM; now 16 or more (3 mirrors, 1 GiB put: 1.1 M
/// → 0.11 M receive calls, 108–129 → 131–155 MB/s; bench/README.attachments.md). Orleans keeps both pools internal: the
/// listeners' factory (<c>SocketConnectionOptions.MemoryPoolFactory</c>, set through an <see cref="UnsafeAccessorAttribute"/>:
/// <see cref="TryUse"/>) and the <c>SharedMemoryPool</c> service of outbound connections and message serialization — the
/// connections the copies arrive on (<see cref="SharedPool"/>: one holding this pool, registered after Orleans' own). An
/// Orleans without either keeps its own pools.
/// </summary>
internal static class OrleansReceiveBlocks
{
    /// <summary>Makes <paramref name="options"/> hand <paramref name="pool"/> to every listener; false when this Orleans has no such setting.</summary>
    public static bool TryUse(SocketConnectionOptions options, MemoryPool<byte> pool)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pool);
        try
        {
            SetMemoryPoolFactory(options, () => pool);
            return true;
        }
        catch (MissingMethodException)
        {
            return false;
        }
    }

    /// <summary>The type name of Orleans' connection-side pool holder (internal to Orleans.Core).</summary>
    private const string SharedPoolType = "Orleans.Networking.Shared.SharedMemoryPool, Orleans.Core";

    /// <summary>
    /// An Orleans <c>SharedMemoryPool</c> (the pool of outbound connections and message serialization) holding
    /// <paramref name="pool"/>, to register in place of Orleans' own; null when this Orleans has no such type or field.
    /// </summary>
    public static (Type Type, object Instance)? SharedPool(MemoryPool<byte> pool)
    {
        var type = Type.GetType(SharedPoolType, throwOnError: false);
        if (type is null) return null;
        try
        {
            object instance = Activator.CreateInstance(type, nonPublic: true)!;
            PoolField(instance) = pool;
            return (type, instance);
        }
        catch (Exception e) when (e is MissingMemberException or MissingMethodException or MissingFieldException)
        {
            return null;
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "<Pool>k__BackingField")]
    private static extern ref MemoryPool<byte> PoolField([UnsafeAccessorType(SharedPoolType)] object shared);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_MemoryPoolFactory")]
    private static extern void SetMemoryPoolFactory(SocketConnectionOptions options, Func<MemoryPool<byte>> factory);
}
