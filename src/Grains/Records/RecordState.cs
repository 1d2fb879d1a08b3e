using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Records;

/// <summary>
/// A record grain's persistent state. The grain sets <see cref="Record"/>; the <c>lzma-shards</c> storage writes it
/// through the replica store (encoded once there, revision and flags taken from it) and hands back a decoded
/// <see cref="Record"/> on read. Providers that serialize the state (ADO.NET) store <see cref="Payload"/>, the
/// self-contained <see cref="DocumentRecord"/> encoding (every leaf with ancestry, winner revision included), made
/// from <see cref="Record"/> only when such a provider asks for it.
/// </summary>
[GenerateSerializer, Alias("mynosql.RecordState")]
internal sealed class RecordState
{
    [NonSerialized]
    private byte[]? _payload;
    [NonSerialized]
    private DocumentRecord? _record;
    [NonSerialized]
    private Storage.RecordDamage? _damage;

    /// <summary>An empty state (no record).</summary>
    public RecordState()
    {
    }

    /// <summary>The state holding <paramref name="record"/> (null: none).</summary>
    public RecordState(DocumentRecord? record) => _record = record;

    /// <summary>The serialized form (null when there is no record).</summary>
    [Id(0)]
    public byte[]? Payload
    {
        get => _payload ??= _record?.Encode();
        set
        {
            _payload = value;
            _record = null;
        }
    }

    /// <summary>The record itself; not serialized (null after a serializing provider's read: decode <see cref="Payload"/>).</summary>
    public DocumentRecord? Record => _record;

    /// <summary>Set by the <c>lzma-shards</c> storage when this silo's copy failed its checksum (<see cref="Record"/> is
    /// then null); not serialized.</summary>
    public Storage.RecordDamage? Damage
    {
        get => _damage;
        init => _damage = value;
    }
}
