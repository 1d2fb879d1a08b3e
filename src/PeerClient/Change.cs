using System.Text.Json.Nodes;

namespace MyNoSql;

/// <summary>One entry of <see cref="MyNoSqlDb.ChangesAsync"/>: a record at its latest version (each record is reported
/// once per pass, as CouchDB's <c>_changes</c> does).</summary>
/// <param name="Id">The record id.</param>
/// <param name="Rev">The record's winning revision.</param>
/// <param name="Deleted">The winning revision is a tombstone.</param>
/// <param name="Seq">Opaque position right after this change: pass it as <c>since</c> to resume without missing or
/// repeating a change. Valid for this database across reopening.</param>
/// <param name="Doc">The record as the user's JSON (with <c>id</c> and <c>rev</c>) when asked for with
/// <c>includeDocs</c> and not deleted; null otherwise.</param>
/// <param name="FromSync">True when this version arrived by sync (from a mirror), false when it was written here.</param>
public sealed record Change(string Id, string Rev, bool Deleted, string Seq, JsonObject? Doc, bool FromSync);
