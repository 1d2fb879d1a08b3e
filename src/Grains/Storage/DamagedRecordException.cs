namespace MyNoSql.Grains.Storage;

/// <summary>
/// This silo's copy of a record is damaged (its stored bytes failed their checksum) and no other mirror gave a good copy
/// to rewrite it from, or the write into it could not merge: the record cannot be served or changed here now. The gateway
/// answers 503 <c>unavailable</c> with <see cref="Reason"/>, which names the database, the record id, the damaged file
/// and offset. Unlike the engine's <c>CorruptDataException</c> (the storage engine has no Orleans dependency) it crosses
/// grain calls.
/// </summary>
[GenerateSerializer, Alias("mynosql.DamagedRecordException")]
internal sealed class DamagedRecordException : Exception
{
    /// <summary>For the serializer.</summary>
    public DamagedRecordException()
    {
        Reason = "";
    }

    /// <summary>An exception with <paramref name="reason"/> as its message.</summary>
    public DamagedRecordException(string reason)
    {
        Reason = reason;
    }

    /// <summary>What is damaged and where (serialized: the base message is not).</summary>
    [Id(0)]
    public string Reason { get; init; }

    /// <inheritdoc />
    public override string Message => Reason;
}
