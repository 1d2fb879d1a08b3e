namespace MyNoSql.Grains.Storage;

/// <summary>
/// A write of a record made entirely before its database was dropped (<c>DELETE /db/{db}</c>): refused for good, never
/// retried as a concurrent change would be. Accepting paths turn it into a per-revision refusal (<c>invalid</c>).
/// Serializable: it crosses grain calls (an anti-entropy round racing a drop met a codec error before).
/// </summary>
[GenerateSerializer, Alias("mynosql.DatabaseDroppedException")]
internal sealed class DatabaseDroppedException : Exception
{
    /// <summary>For the serializer.</summary>
    public DatabaseDroppedException()
    {
        Reason = "";
    }

    /// <summary>An exception with <paramref name="reason"/> as its message.</summary>
    public DatabaseDroppedException(string reason)
    {
        Reason = reason;
    }

    /// <summary>What was refused (serialized: the base message is not).</summary>
    [Id(0)]
    public string Reason { get; init; }

    /// <inheritdoc />
    public override string Message => Reason;
}
