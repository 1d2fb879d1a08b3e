namespace MyNoSql;

/// <summary>
/// The disk (or the quota) holding a database is full: the write named in the message was not stored, and nothing
/// stored before it is affected. Reads keep working; writes succeed again once space is freed, without reopening.
/// </summary>
public sealed class StorageFullException : MyNoSqlException
{
    /// <summary>Creates the exception; <paramref name="message"/> names the database, the record and the file.</summary>
    public StorageFullException(string message, Exception? innerException = null) : base(message, innerException) { }

    /// <summary>True when <paramref name="error"/>, or an exception inside it, says the disk or the quota is full.</summary>
    public static bool IsDiskFull(Exception? error) => error switch
    {
        null => false,
        StorageFullException => true,
        // ENOSPC and EDQUOT on Unix (.NET's IOException carries the errno), ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.
        IOException { HResult: 28 or 122 or unchecked((int)0x80070070) or unchecked((int)0x80070027) } => true,
        AggregateException all => all.InnerExceptions.Any(IsDiskFull),
        _ => IsDiskFull(error.InnerException),
    };
}
