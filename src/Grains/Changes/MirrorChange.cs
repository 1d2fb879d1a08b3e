namespace MyNoSql.Grains.Changes;

/// <summary>One result of a mirror's change feed.</summary>
/// <param name="Seq">The cluster-wide position right after this change (a sync checkpoint token).</param>
/// <param name="Id">The record id.</param>
/// <param name="Rev">The winning revision.</param>
/// <param name="Deleted">The winner is a tombstone.</param>
/// <param name="Doc">The record's UTF-8 JSON when asked for and not deleted.</param>
/// <param name="OtherLeaves">The record keeps leaves besides the winner (conflicts or closed branches: the CouchDB
/// protocol's <c>style=all_docs</c> lists them).</param>
internal sealed record MirrorChange(string Seq, string Id, string Rev, bool Deleted, byte[]? Doc, bool OtherLeaves = false);
