using System.Text.RegularExpressions;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// <c>$regex</c>: the value is a string and the pattern matches somewhere in it (unanchored, case-sensitive; .NET
/// syntax, which covers the PCRE subset people use). Compiled once per selector with
/// <see cref="RegexOptions.NonBacktracking"/>, which runs in linear time, so <c>(a+)+$</c> cannot hang the process.
/// Patterns NonBacktracking refuses (backreferences, lookarounds, atomic groups) run backtracking with a
/// <see cref="Timeout"/>; a match that times out fails the query with a <see cref="BadQueryException"/> naming the
/// pattern, rather than silently dropping documents (an answer that depends on the machine's load is not an answer).
/// </summary>
internal sealed class RegexSelector : SelectorNode
{
    /// <summary>The time one backtracking match may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(100);

    private readonly Regex _regex;
    private readonly string _part;

    /// <exception cref="BadQueryException">The pattern does not parse.</exception>
    public RegexSelector(string pattern, string part)
    {
        Pattern = pattern;
        _part = part;
        try
        {
            try
            {
                _regex = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (NotSupportedException)
            {
                _regex = new Regex(pattern, RegexOptions.CultureInvariant, Timeout);
            }
        }
        catch (ArgumentException e)
        {
            throw new BadQueryException(part, $"invalid regular expression: {e.Message}", e);
        }
    }

    public string Pattern { get; }

    public override bool Test(JsonNode? value)
    {
        if (Collation.Rank(value) != CollationKey.String) return false;
        try
        {
            return _regex.IsMatch(value!.GetValue<string>());
        }
        catch (RegexMatchTimeoutException e)
        {
            throw new BadQueryException(_part, $"the pattern took more than {Timeout.TotalMilliseconds} ms on one value; simplify it (backreferences and lookarounds run backtracking)", e);
        }
    }

    public override SelectorNode Negate() => new NotSelector(this);

    public override JsonObject ToJson() => new() { ["$regex"] = Pattern };
}
