using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// <c>$eq $ne $gt $gte $lt $lte</c> (and implicit equality): the value compared with the operand under the §7
/// collation across types (so <c>{"$gt": 5}</c> also matches strings, arrays and objects, as in CouchDB). Arrays are
/// compared whole: <c>{"a": 1}</c> does not match <c>{"a": [1]}</c>.
/// </summary>
internal sealed class CompareSelector(CompareOp op, JsonNode? operand) : SelectorNode
{
    public CompareOp Op { get; } = op;

    /// <summary>The owned operand (see <see cref="Collation.Own"/>).</summary>
    public JsonNode? Operand { get; } = Collation.Own(operand);

    public override bool Test(JsonNode? value) => Op switch
    {
        CompareOp.Eq => Collation.Equal(value, Operand),
        CompareOp.Ne => !Collation.Equal(value, Operand),
        CompareOp.Gt => Collation.Compare(value, Operand) > 0,
        CompareOp.Gte => Collation.Compare(value, Operand) >= 0,
        CompareOp.Lt => Collation.Compare(value, Operand) < 0,
        _ => Collation.Compare(value, Operand) <= 0,
    };

    public override SelectorNode Negate() => new CompareSelector(Op switch
    {
        CompareOp.Eq => CompareOp.Ne,
        CompareOp.Ne => CompareOp.Eq,
        CompareOp.Gt => CompareOp.Lte,
        CompareOp.Gte => CompareOp.Lt,
        CompareOp.Lt => CompareOp.Gte,
        _ => CompareOp.Gt,
    }, Operand);

    public override JsonObject ToJson() => new() { [Name(Op)] = Operand?.DeepClone() };

    /// <summary>The operator as written in Mango.</summary>
    public static string Name(CompareOp op) => op switch
    {
        CompareOp.Eq => "$eq",
        CompareOp.Ne => "$ne",
        CompareOp.Gt => "$gt",
        CompareOp.Gte => "$gte",
        CompareOp.Lt => "$lt",
        _ => "$lte",
    };
}
