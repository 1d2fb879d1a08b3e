using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Patching;

/// <summary>
/// The equality of RFC 6902's <c>test</c>: same JSON type; strings equal code unit by code unit; numbers equal by value
/// (<c>1</c>, <c>1.0</c> and <c>10e-1</c> are equal, compared exactly, not through a binary float); arrays equal element
/// by element in order; objects with the same members, each equal, in any order.
/// </summary>
internal static class JsonEquality
{
    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are equal JSON values.</summary>
    public static bool Equal(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null) return a is null && b is null;
        var kind = a.GetValueKind();
        if (kind != b.GetValueKind()) return false;
        switch (kind)
        {
            case JsonValueKind.Object:
                var left = a.AsObject();
                var right = b.AsObject();
                if (left.Count != right.Count) return false;
                foreach (var (key, value) in left)
                {
                    if (!right.TryGetPropertyValue(key, out var other) || !Equal(value, other)) return false;
                }
                return true;
            case JsonValueKind.Array:
                var first = a.AsArray();
                var second = b.AsArray();
                if (first.Count != second.Count) return false;
                for (int i = 0; i < first.Count; i++)
                {
                    if (!Equal(first[i], second[i])) return false;
                }
                return true;
            case JsonValueKind.String:
                return DocumentCodec.TryGetString(a, out string? x) && DocumentCodec.TryGetString(b, out string? y)
                    ? string.Equals(x, y, StringComparison.Ordinal)
                    : string.Equals(a.ToJsonString(), b.ToJsonString(), StringComparison.Ordinal);
            case JsonValueKind.Number:
                return Number.Of(a.ToJsonString()).Equals(Number.Of(b.ToJsonString()));
            default:
                return true; // true, false, null: the kind is the value
        }
    }

    /// <summary>A JSON number as 0.<see cref="Digits"/> × 10^<see cref="Exponent"/> with no leading or trailing zero digit
    /// (zero: no digits, exponent 0, not negative), so equal values have equal fields.</summary>
    private readonly record struct Number(bool Negative, string Digits, BigInteger Exponent)
    {
        public static Number Of(string text)
        {
            int pos = 0;
            bool negative = text.StartsWith('-');
            if (negative) pos++;
            int mantissaStart = pos;
            while (pos < text.Length && text[pos] is not ('e' or 'E')) pos++;
            var mantissa = text[mantissaStart..pos];
            var exponent = pos < text.Length ? BigInteger.Parse(text.AsSpan(pos + 1), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture) : BigInteger.Zero;
            int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
            string integer = dot < 0 ? mantissa : mantissa[..dot];
            string digits = dot < 0 ? mantissa : integer + mantissa[(dot + 1)..];
            int point = integer.Length;
            int lead = 0;
            while (lead < digits.Length && digits[lead] == '0') lead++;
            digits = digits[lead..].TrimEnd('0');
            if (digits.Length == 0) return new Number(false, "", BigInteger.Zero);
            return new Number(negative, digits, exponent + point - lead);
        }
    }
}
