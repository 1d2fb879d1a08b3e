using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Merging;

/// <summary>The policy's JSON shape, the same on HTTP and in peer files: <c>{"fields":{"title":"latest","score":"max"}}</c>
/// (strategy names lowercase), optionally with <c>"stamp"</c>, the hybrid-clock stamp of the change (the newer wins when
/// two replicas changed the policy).</summary>
internal static class MergePolicyJson
{
    /// <summary>Parses a policy.</summary>
    /// <exception cref="ArgumentException">Not an object with a <c>fields</c> object of known strategy names (the message says which).</exception>
    public static (MergePolicy Policy, long Stamp) Parse(JsonNode? json) => throw new NotImplementedException();

    /// <summary>The JSON form (fields in ordinal order, stamp included when not 0).</summary>
    public static JsonObject ToJson(MergePolicy policy, long stamp = 0) => throw new NotImplementedException();

    /// <summary>The lowercase wire name of a strategy.</summary>
    public static string NameOf(MergeStrategy strategy) => strategy.ToString().ToLowerInvariant();
}
