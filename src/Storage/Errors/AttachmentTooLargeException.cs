namespace MyNoSql;

/// <summary>An attachment body is longer than the configured limit (<c>MaxAttachmentBytes</c>, default 4 GiB).</summary>
public sealed class AttachmentTooLargeException : MyNoSqlException
{
    /// <summary>Creates the exception.</summary>
    public AttachmentTooLargeException(long limit, string? name = null)
        : base($"The attachment{(name is null ? "" : " '" + name + "'")} is larger than the limit of {limit} bytes.")
    {
        Limit = limit;
        Name = name;
    }

    /// <summary>The limit in bytes.</summary>
    public long Limit { get; }

    /// <summary>The attachment name, when known.</summary>
    public string? Name { get; }
}
