using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The gateway's Kestrel memory pool: 64 KiB pinned blocks instead of Kestrel's 4 KiB. The socket transport receives into
/// one block at a time, so a large body (an attachment, a sync push) takes a sixteenth of the receive calls, which this
/// project's 2-core VM makes dear: a 1 GiB attachment PUT to one mirror went from 312–326 to 407–426 MB/s, and the same
/// body already stored (no disk writes) from 505–516 to 686–766 MB/s (<c>bench/README.attachments.md</c>). Blocks are
/// reused; at most <see cref="Retained"/> (16 MiB) are kept idle, the rest left to the GC. A request for more than a block
/// (the pipes never make one: they allocate such segments themselves) gets an array of its own. Orleans' connections
/// between mirrors use the same pool (<see cref="Hosting.OrleansReceiveBlocks"/>).
/// </summary>
internal sealed class ReceiveBlockPool : MemoryPool<byte>, IMemoryPoolFactory<byte>
{
    /// <summary>Bytes per block.</summary>
    public const int BlockSize = 64 << 10;

    /// <summary>Most idle blocks kept for reuse.</summary>
    public const int Retained = 256;

    private readonly ConcurrentQueue<byte[]> _idle = new();
    private int _idleCount;

    /// <inheritdoc />
    public override int MaxBufferSize => BlockSize;

    /// <summary>Idle blocks kept now (for tests).</summary>
    public int Idle => Volatile.Read(ref _idleCount);

    /// <summary>Kestrel asks the factory for its pool: one pool for every listener.</summary>
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => this;

    /// <inheritdoc />
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize) return new Owner(null, new byte[minBufferSize]);
        if (_idle.TryDequeue(out byte[]? block)) Interlocked.Decrement(ref _idleCount);
        return new Owner(this, block ?? GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
    }

    /// <summary>Kestrel disposes its pool at shutdown; the idle blocks go to the GC, and the pool keeps working.</summary>
    protected override void Dispose(bool disposing)
    {
        while (_idle.TryDequeue(out _)) Interlocked.Decrement(ref _idleCount);
    }

    private void Return(byte[] block)
    {
        if (Interlocked.Increment(ref _idleCount) <= Retained) _idle.Enqueue(block);
        else Interlocked.Decrement(ref _idleCount);
    }

    private sealed class Owner(ReceiveBlockPool? pool, byte[] block) : IMemoryOwner<byte>
    {
        private byte[]? _block = block;

        public Memory<byte> Memory => _block ?? throw new ObjectDisposedException(nameof(ReceiveBlockPool));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _block, null) is { } returned) pool?.Return(returned);
        }
    }
}
