using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary><c>$exists</c>: a present field (JSON null included) matches <c>true</c>; a missing one matches <c>false</c> (see <see cref="FieldSelector"/>).</summary>
internal sealed class ExistsSelector(bool shouldExist) : SelectorNode
{
    public bool ShouldExist { get; } = shouldExist;

    public override bool Test(JsonNode? value) => ShouldExist;

    public override SelectorNode Negate() => new ExistsSelector(!ShouldExist);

    public override JsonObject ToJson() => new() { ["$exists"] = ShouldExist };
}
