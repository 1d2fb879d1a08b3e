namespace MyNoSql.Storage.Sync;

/// <summary>A record batch decodes to more than its limit (a compressed bomb, or a batch to split): the HTTP answer is 413.</summary>
public sealed class RecordBatchTooLargeException : FormatException
{
    /// <summary>A batch over <paramref name="limit"/> decoded bytes.</summary>
    public RecordBatchTooLargeException(int limit) : base($"Record batch exceeds {limit} bytes once decoded.") => Limit = limit;

    /// <summary>The decoded size the batch went over.</summary>
    public int Limit { get; }
}
