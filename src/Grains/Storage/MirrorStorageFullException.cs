namespace MyNoSql.Grains.Storage;

/// <summary>
/// A mirror's disk (or quota) is full, so a write to its store was refused (the engine's <c>StorageFullException</c> or
/// the file system's ENOSPC, which cannot cross grain calls). The gateway answers 503 <c>unavailable</c> with
/// <see cref="Reason"/>, which names the mirror, the store or file and the record.
/// </summary>
[GenerateSerializer, Alias("mynosql.MirrorStorageFullException")]
internal sealed class MirrorStorageFullException : Exception
{
    /// <summary>For the serializer.</summary>
    public MirrorStorageFullException()
    {
        Reason = "";
    }

    /// <summary>An exception with <paramref name="reason"/> as its message.</summary>
    public MirrorStorageFullException(string reason)
    {
        Reason = reason;
    }

    /// <summary>What was refused and where (serialized: the base message is not).</summary>
    [Id(0)]
    public string Reason { get; init; }

    /// <inheritdoc />
    public override string Message => Reason;

    /// <summary>The disk-full error in <paramref name="error"/> (itself or inside it), if any.</summary>
    public static Exception? Find(Exception? error) => error switch
    {
        null => null,
        MirrorStorageFullException or StorageFullException => error,
        AggregateException all => all.InnerExceptions.Select(Find).FirstOrDefault(e => e is not null),
        // The innermost disk-full error, which names the file.
        _ => Find(error.InnerException) ?? (error is IOException && StorageFullException.IsDiskFull(error) ? error : null),
    };
}
