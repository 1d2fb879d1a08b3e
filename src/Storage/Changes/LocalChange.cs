using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Changes;

/// <summary>One entry of a replica's change feed: a record at its latest version, and the position right after it.</summary>
/// <param name="Id">The record id.</param>
/// <param name="Rev">The winning revision.</param>
/// <param name="Deleted">The winner is a tombstone.</param>
/// <param name="FromSync">The version arrived from another replica (<see cref="Engine.RecordFlags.FromSync"/>).</param>
/// <param name="Seq">The feed position right after this change (resume from it).</param>
/// <param name="Doc">The winner as the user's JSON, when asked for and not deleted.</param>
internal sealed record LocalChange(string Id, string Rev, bool Deleted, bool FromSync, string Seq, JsonObject? Doc);
