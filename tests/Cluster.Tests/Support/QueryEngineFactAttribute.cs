using System.Text.Json.Nodes;
using MyNoSql.Storage.Query;

namespace MyNoSql.Cluster.Tests.Support;

/// <summary>
/// A fact that needs the Mango selector engine (<see cref="Selector"/>, built in parallel): skipped while it still
/// throws <see cref="NotImplementedException"/>, run as soon as it lands.
/// </summary>
public sealed class QueryEngineFactAttribute : FactAttribute
{
    private static readonly bool Available = Probe();

    public QueryEngineFactAttribute()
    {
        if (!Available) Skip = "needs query engine";
    }

    private static bool Probe()
    {
        try
        {
            Selector.Parse(new JsonObject { ["type"] = "probe" });
            return true;
        }
        catch (NotImplementedException)
        {
            return false;
        }
    }
}
