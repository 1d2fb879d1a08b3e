using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Tests.Query;

/// <summary>In-memory record versions: one unique number per document instance (a replaced document is a new instance).</summary>
internal static class DocumentVersions
{
    private static readonly ConditionalWeakTable<JsonObject, StrongBox<ulong>> Versions = [];
    private static long _next;

    public static ulong Of(JsonObject doc) => Versions.GetValue(doc, _ => new StrongBox<ulong>((ulong)Interlocked.Increment(ref _next))).Value;
}
