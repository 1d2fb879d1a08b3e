using System.CommandLine;
using System.Text;

namespace MyNoSql.Cli;

/// <summary>
/// <c>mynosql --help</c> as System.CommandLine writes it, except that its commands list shows optional arguments in
/// brackets (<c>ls &lt;DB&gt; [&lt;PREFIX&gt;]</c>), as each command's own help does; the library lists every argument as
/// required there and offers no public way to change that row.
/// </summary>
internal static class RootHelp
{
    public static string BracketOptionalArguments(string help, RootCommand root)
    {
        var relabel = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var command in root.Subcommands.Where(c => c.Arguments.Any(a => a.Arity.MinimumNumberOfValues == 0)))
        {
            string Label(Func<Argument, bool> optional) =>
                command.Name + string.Concat(command.Arguments.Where(a => !a.Hidden).Select(a => optional(a) ? $" [<{a.Name}>]" : $" <{a.Name}>"));
            relabel[Label(_ => false)] = Label(a => a.Arity.MinimumNumberOfValues == 0);
        }
        if (relabel.Count == 0) return help;

        var lines = help.Split('\n');
        int first = Array.FindIndex(lines, l => l.TrimEnd('\r') == "Commands:");
        if (first < 0) return help;
        int last = first + 1;
        while (last < lines.Length && lines[last].TrimEnd('\r').Length > 0) last++;
        // A row is "  LABEL  description"; wrapped descriptions continue at the same column.
        int column = lines[(first + 1)..last].Select(DescriptionColumn).Where(c => c > 0).DefaultIfEmpty(0).Min();
        if (column == 0) return help;
        int widest = lines[(first + 1)..last].Where(l => DescriptionColumn(l) > 0)
            .Select(l => l[2..column].TrimEnd()).Select(label => relabel.GetValueOrDefault(label, label).Length).Max();
        int shift = Math.Max(0, widest + 4 - column);
        var result = new StringBuilder();
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (i > first && i < last)
            {
                string label = line.Length > column ? line[2..column].TrimEnd() : "";
                if (DescriptionColumn(line) > 0)
                    line = "  " + relabel.GetValueOrDefault(label, label).PadRight(column - 2 + shift) + line[column..];
                else if (shift > 0)
                    line = new string(' ', shift) + line;
            }
            result.Append(line);
            if (i < lines.Length - 1) result.Append('\n');
        }
        return result.ToString();
    }

    /// <summary>Where the description starts in a commands row ("  name &lt;ARG&gt;   text"), or 0 for a continuation line.</summary>
    private static int DescriptionColumn(string line)
    {
        if (line.Length < 3 || line[2] == ' ' || !line.StartsWith("  ", StringComparison.Ordinal)) return 0;
        int gap = line.IndexOf("  ", 2, StringComparison.Ordinal);
        if (gap < 0) return 0;
        int column = gap;
        while (column < line.Length && line[column] == ' ') column++;
        return column < line.Length ? column : 0;
    }
}
