using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace MyNoSql.Grains.Storage;

/// <summary>
/// Turns a full disk met by any grain call on this silo into a <see cref="MirrorStorageFullException"/> naming this
/// mirror, so the caller (a gateway on any silo) can answer 503 instead of meeting an exception it cannot deserialize.
/// </summary>
internal sealed class StorageFullCallFilter(IOptions<SiloOptions> silo) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (MirrorStorageFullException.Find(e) is { } full and not MirrorStorageFullException)
        {
            throw new MirrorStorageFullException($"Mirror '{silo.Value.SiloName}' could not store the write in its own store: {full.Message} " +
                "The other mirrors may have stored it all the same: read the record back before repeating the write.");
        }
    }
}
