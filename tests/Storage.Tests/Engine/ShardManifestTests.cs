using System.Buffers.Binary;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Tests.Engine;

public class ShardManifestTests
{
    [Fact]
    public void ClosedLsn_RoundTrips()
    {
        var manifest = new ShardManifest(5, 9, [3, 4], [7], ClosedLsn: 42);
        var decoded = ShardManifest.Decode(manifest.Encode(), "shard.manifest");
        Assert.Equal(42UL, decoded.ClosedLsn);
        Assert.Equal(5UL, decoded.SealedLsn);
        Assert.Equal([3, 4], decoded.Segments);
        Assert.Equal([7], decoded.Logs);
    }

    [Fact]
    public void AManifestWrittenBeforeClosedLsn_ReadsAsNeverClosedCleanly()
    {
        // The older layout: no closedLsn between the log list and the crc.
        var bytes = new ShardManifest(5, 9, [3], [7], ClosedLsn: 42).Encode().AsSpan(0..^12).ToArray();
        bytes = [.. bytes, 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(^4), Crc.Compute(bytes.AsSpan(0..^4)));
        var decoded = ShardManifest.Decode(bytes, "shard.manifest");
        Assert.Equal(0UL, decoded.ClosedLsn);
        Assert.Equal([7], decoded.Logs);
    }
}
