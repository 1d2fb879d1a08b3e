using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Grains.Storage;
using Orleans.Serialization;

namespace MyNoSql.Cluster.Tests.Storage;

/// <summary>The mirror's exceptions that cross grain calls keep their type and reason through Orleans' serializer (an
/// exception without a codec reaches the caller as a codec error, which the gateway can only answer with a 500).</summary>
public sealed class MirrorExceptionsTests
{
    private readonly Serializer _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void Dropped_database_damaged_record_and_full_disk_round_trip()
    {
        Exception[] sent =
        [
            new DatabaseDroppedException("Record 'a' of database 'd' predates the drop"),
            new DamagedRecordException("Record 'a' of database 'd' cannot be served now"),
            new MirrorStorageFullException("Mirror 'm' cannot store the write: the disk is full"),
        ];
        foreach (var e in sent)
        {
            var back = _serializer.Deserialize<Exception>(_serializer.SerializeToArray<Exception>(e));
            Assert.IsType(e.GetType(), back);
            Assert.Equal(e.Message, back.Message);
        }
    }
}
