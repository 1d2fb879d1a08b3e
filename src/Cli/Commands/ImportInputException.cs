namespace MyNoSql.Cli.Commands;

/// <summary>The import file is malformed at one place (a line that is not a JSON object, an array element that is not
/// one, or broken JSON): the import stops there, after saving what was read before it.</summary>
/// <param name="message">What is wrong and where (file and line).</param>
/// <param name="before">How many lines (NDJSON) or array elements were read in full before the bad place.</param>
/// <param name="unit">"line" or "element".</param>
internal sealed class ImportInputException(string message, long before, string unit) : Exception(message)
{
    public long Before { get; } = before;

    public string Unit { get; } = unit;
}
