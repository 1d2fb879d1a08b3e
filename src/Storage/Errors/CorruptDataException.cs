namespace MyNoSql;

/// <summary>A stored file failed its checksum or structure check. Names the file and the byte offset.</summary>
public sealed class CorruptDataException : MyNoSqlException
{
    /// <summary>Creates the exception.</summary>
    public CorruptDataException(string filePath, long offset, string what, Exception? innerException = null)
        : base($"Corrupt data in '{filePath}' at offset {offset}: {what}", innerException)
    {
        FilePath = filePath;
        Offset = offset;
    }

    /// <summary>The file that failed the check.</summary>
    public string FilePath { get; }

    /// <summary>Byte offset in <see cref="FilePath"/> of the damaged frame, block or section.</summary>
    public long Offset { get; }
}
