namespace MyNoSql.Storage.IO;

/// <summary>A direct write the file system refused (EINVAL): the log falls back to writing through the page cache.</summary>
internal sealed class DirectWriteRefusedException(string message) : IOException(message);
