using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// <c>$mod: [divisor, remainder]</c>: the value is an integral number (4 and 4.0 alike, since numbers are doubles
/// everywhere else) within the long range, and <c>value % divisor == remainder</c> with the remainder taking the
/// dividend's sign (Erlang's <c>rem</c>, C#'s <c>%</c>). Non-numbers and fractions never match. Divisor 0 is a bad query.
/// </summary>
internal sealed class ModSelector(long divisor, long remainder) : SelectorNode
{
    public long Divisor { get; } = divisor;

    public long Remainder { get; } = remainder;

    public override bool Test(JsonNode? value)
    {
        if (Collation.Rank(value) != CollationKey.Number) return false;
        double d = Collation.Number(value!);
        if (d != Math.Floor(d) || d < -9.2233720368547758E18 || d >= 9.2233720368547758E18) return false;
        long n = (long)d;
        return (Divisor == -1 ? 0 : n % Divisor) == Remainder; // long.MinValue % -1 overflows
    }

    public override SelectorNode Negate() => new NotSelector(this);

    public override JsonObject ToJson() => new() { ["$mod"] = new JsonArray(Divisor, Remainder) };
}
