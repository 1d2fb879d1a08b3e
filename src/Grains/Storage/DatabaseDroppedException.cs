namespace MyNoSql.Grains.Storage;

/// <summary>
/// A write of a record made entirely before its database was dropped (<c>DELETE /db/{db}</c>): refused for good, never
/// retried as a concurrent change would be. Accepting paths turn it into a per-revision refusal (<c>invalid</c>).
/// </summary>
internal sealed class DatabaseDroppedException(string message) : InvalidOperationException(message);
