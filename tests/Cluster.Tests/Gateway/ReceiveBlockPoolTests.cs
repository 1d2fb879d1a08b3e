using System.Reflection;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MyNoSql.Silo.Gateway;
using MyNoSql.Silo.Hosting;
using Orleans.Networking.Shared;

namespace MyNoSql.Cluster.Tests.Gateway;

/// <summary>The gateway's 64 KiB receive pool: reuse, its bound, and that a built mirror's Kestrel and Orleans listeners take it.</summary>
public sealed class ReceiveBlockPoolTests
{
    [Fact]
    public void Blocks_are_64_KiB_reused_and_at_most_Retained_are_kept_idle()
    {
        var pool = new ReceiveBlockPool();
        var first = pool.Rent();
        Assert.Equal(ReceiveBlockPool.BlockSize, first.Memory.Length);
        Assert.Equal(ReceiveBlockPool.BlockSize, pool.Rent(4096).Memory.Length);
        byte[] array = System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(first.Memory, out var segment) ? segment.Array! : [];
        first.Dispose();
        first.Dispose(); // twice is harmless: the block is not queued again
        Assert.Equal(1, pool.Idle);
        var again = pool.Rent();
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(again.Memory, out var reused) && ReferenceEquals(array, reused.Array));
        Assert.Throws<ObjectDisposedException>(() => first.Memory);

        var many = Enumerable.Range(0, ReceiveBlockPool.Retained + 10).Select(_ => pool.Rent()).ToList();
        many.ForEach(b => b.Dispose());
        Assert.Equal(ReceiveBlockPool.Retained, pool.Idle);

        using var big = pool.Rent(ReceiveBlockPool.BlockSize + 1);
        Assert.Equal(ReceiveBlockPool.BlockSize + 1, big.Memory.Length);
    }

    [Fact]
    public async Task A_built_mirror_gives_its_socket_transport_this_pool()
    {
        using var dir = new TempDirectory("mynosql-pool-");
        await using var app = MirrorHost.Build(["--data", dir.Path, "--http-port", $"{FreePorts.Next()}"], out int exitCode); // built, never started
        Assert.NotNull(app);
        Assert.Equal(0, exitCode);
        var factory = app.Services.GetRequiredService<IMemoryPoolFactory<byte>>();
        Assert.IsType<ReceiveBlockPool>(factory);
        // Kestrel keeps the factory it will use on its (internal) transport options: it must be the same one.
        var options = app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        var used = typeof(SocketTransportOptions).GetProperty("MemoryPoolFactory", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            ?.GetValue(options);
        Assert.Same(factory, used);
        // Orleans' listeners (silo-to-silo, client gateway) take the same pool through their internal factory.
        var orleans = app.Services.GetRequiredService<IOptions<SocketConnectionOptions>>().Value;
        var orleansFactory = typeof(SocketConnectionOptions).GetProperty("MemoryPoolFactory", BindingFlags.Instance | BindingFlags.NonPublic)
            ?.GetValue(orleans) as Func<System.Buffers.MemoryPool<byte>>;
        Assert.NotNull(orleansFactory);
        Assert.Same(factory, orleansFactory());
        // …and so do its outbound connections and message serialization (the SharedMemoryPool Orleans resolves).
        var sharedType = Type.GetType("Orleans.Networking.Shared.SharedMemoryPool, Orleans.Core", throwOnError: true)!;
        var shared = app.Services.GetRequiredService(sharedType);
        Assert.Same(factory, sharedType.GetProperty("Pool")!.GetValue(shared));
    }

    [Fact]
    public void Orleans_socket_options_take_a_pool_through_their_internal_setter()
    {
        var options = new SocketConnectionOptions();
        var pool = new ReceiveBlockPool();
        Assert.True(OrleansReceiveBlocks.TryUse(options, pool));
        var factory = (Func<System.Buffers.MemoryPool<byte>>)typeof(SocketConnectionOptions)
            .GetProperty("MemoryPoolFactory", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(options)!;
        Assert.Same(pool, factory());
    }
}
