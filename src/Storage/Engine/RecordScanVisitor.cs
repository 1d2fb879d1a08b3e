namespace MyNoSql.Storage.Engine;

/// <summary>Receives one record of a bulk scan (<see cref="RecordStore.Scan"/>). <paramref name="payload"/> is only
/// valid during the call (it points into a reused read buffer or a decoded block): copy what must outlive it.</summary>
internal delegate void RecordScanVisitor(in RecordHeader header, ReadOnlyMemory<byte> payload);
