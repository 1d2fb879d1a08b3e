namespace MyNoSql.Storage.Documents;

/// <summary>One durable write of a <see cref="ReplicaStore"/>, as its observers see it.</summary>
/// <param name="Key">The engine key (a peer: the id; a mirror: the record's grain-state key).</param>
/// <param name="Record">The record now stored; null when the key was cleared.</param>
/// <param name="Sequence">The key's version stamp after the write (<see cref="Engine.RecordHeader.Sequence"/>).</param>
/// <param name="Merged">Written by <see cref="ReplicaStore.MergeAsync"/>: it arrived from another replica.</param>
internal readonly record struct ReplicaWrite(string Key, DocumentRecord? Record, ulong Sequence, bool Merged);
