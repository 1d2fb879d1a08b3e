using System.Text.Json.Nodes;
using CsCheck;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Tests.Query;

/// <summary><see cref="Collation.Compare"/> on nodes agrees in sign with comparing <see cref="CollationKey"/> encodings.</summary>
public sealed class CollationPropertyTests
{
    // Boundaries of the key's code unit encoding, non-ASCII, lone and paired surrogates, U+0000 and U+FFFF.
    private static readonly Gen<string> Strings = Gen.Char["aAzé\u0000\u0001\u007E\u007F\u0080\u00FF\u3F7E\u3F7F\u3F80\uD800\uDBFF\uDC00\uDFFF\uFFFF"].Array[0, 4].Select(c => new string(c));

    private static readonly Gen<double> Numbers = Gen.Frequency(
        (3, Gen.Double.Where(double.IsFinite)),
        (2, Gen.Int[-3, 3].Select(i => (double)i)),
        (2, Gen.OneOf(0.0, -0.0, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, 1e-300, -1e300, 0.1, 2.5)));

    private static readonly Gen<JsonNode?> Scalars = Gen.Frequency(
        (1, Gen.Bool.Select(_ => (JsonNode?)null)),
        (1, Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))),
        (3, Numbers.Select(d => (JsonNode?)JsonValue.Create(d))),
        (3, Strings.Select(s => (JsonNode?)JsonValue.Create(s))));

    private static readonly Gen<JsonNode?> Values = Value(3);

    private static Gen<JsonNode?> Value(int depth) => depth == 0 ? Scalars : Gen.Frequency(
        (4, Scalars),
        (1, Value(depth - 1).Array[0, 3].Select(items => (JsonNode?)new JsonArray([.. items]))),
        (1, Gen.Select(Gen.Char["abé"].Array[0, 2].Select(c => new string(c)), Value(depth - 1)).Array[0, 3].Select(pairs =>
        {
            var o = new JsonObject();
            foreach (var (k, v) in pairs) o[k] = v; // a repeated key keeps the last value
            return (JsonNode?)o;
        })));

    // Half the pairs are a value and a near copy, so equal and almost-equal cases are common.
    private static readonly Gen<(JsonNode?, JsonNode?)> Pairs = Gen.Frequency(
        (1, Gen.Select(Values, Values)),
        (1, Values.Select(v => (v, v?.DeepClone()))),
        (1, Gen.Select(Values, Values, Values).Select((a, b, c) => ((JsonNode?)new JsonArray(a, b), (JsonNode?)new JsonArray(a?.DeepClone(), c)))));

    [Fact]
    public void Node_comparison_agrees_with_key_comparison()
    {
        Pairs.Sample((a, b) =>
        {
            int byNode = Collation.Compare(a, b);
            int byKey = CollationKey.Compare(CollationKey.Of(a), CollationKey.Of(b));
            Assert.Equal(Math.Sign(byKey), Math.Sign(byNode));
            Assert.Equal(-Math.Sign(byNode), Math.Sign(Collation.Compare(b, a)));
            Assert.Equal(byNode == 0, Collation.Equal(a, b));
        }, iter: 20_000, print: p => $"{p.Item1?.ToJsonString() ?? "null"} vs {p.Item2?.ToJsonString() ?? "null"}");
    }

    [Fact]
    public void Element_backed_values_compare_like_owned_ones()
    {
        string[] texts = ["0", "-0", "1e300", "5e-324", "\"é\"", "\"\\ud83d\\ude00\"", "[1,\"a\",[null]]", "{\"a\":1,\"b\":[true]}", "\"\\uffff\"", "null", "false"];
        foreach (var x in texts)
            foreach (var y in texts)
            {
                var ex = JsonNode.Parse($"[{x}]")![0];
                var ey = JsonNode.Parse($"[{y}]")![0];
                Assert.Equal(Math.Sign(CollationKey.Compare(CollationKey.Of(ex), CollationKey.Of(ey))), Collation.Compare(ex, Collation.Own(ey)));
                Assert.Equal(Collation.Compare(ex, ey) == 0, Collation.Equal(ex, Collation.Own(ey)));
            }
    }

    [Fact]
    public void Collation_order_across_types()
    {
        JsonNode?[] ordered = [null, false, true, -1e300, -0.0, 1, "", "a", "é", "\uD83D\uDE00", "\uFFFF", new JsonArray(), new JsonArray(1), new JsonObject(), new JsonObject { ["a"] = 1 }];
        for (int i = 0; i + 1 < ordered.Length; i++) Assert.True(Collation.Compare(ordered[i], ordered[i + 1]) < 0, $"{i}");
        Assert.Equal(0, Collation.Compare(JsonValue.Create(-0.0), JsonValue.Create(0)));
    }
}
