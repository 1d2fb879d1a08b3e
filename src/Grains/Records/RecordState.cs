namespace MyNoSql.Grains.Records;

/// <summary>
/// A record grain's persistent state: the <see cref="MyNoSql.Storage.Documents.DocumentRecord"/> encoding
/// (every leaf with ancestry). The lzma-shards storage stores <see cref="Payload"/> as is.
/// </summary>
[GenerateSerializer, Alias("mynosql.RecordState")]
internal sealed class RecordState
{
    [Id(0)]
    public byte[]? Payload { get; set; }
}
