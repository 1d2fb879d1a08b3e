namespace MyNoSql.Sync;

/// <summary>A mirror's answer for one pushed leaf (<see cref="ISyncTransport.PushAsync"/>).</summary>
/// <param name="Id">The record's id.</param>
/// <param name="Rev">The leaf's revision; empty when the transport answers per record.</param>
/// <param name="Status">One of <c>accepted</c>, <c>known</c>, <c>conflict</c>, <c>invalid</c>, <c>quorum_unavailable</c>.</param>
public sealed record PushResult(string Id, string Rev, string Status);
