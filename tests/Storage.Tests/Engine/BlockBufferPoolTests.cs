using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Tests.Engine;

public sealed class BlockBufferPoolTests
{
    [Fact]
    public void Pooled_buffers_live_outside_gen0_and_come_back()
    {
        var pool = new BlockBufferPool(8192, maxFree: 4);
        var buffer = pool.Rent(20_000);
        // Pinned object heap: reported as the oldest generation, never promoted or moved by a gen0 collection.
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(buffer));
        Assert.Equal(32768, buffer.Length);
        pool.Return(buffer);
        Assert.Same(buffer, pool.Rent(17_000));
    }
}
