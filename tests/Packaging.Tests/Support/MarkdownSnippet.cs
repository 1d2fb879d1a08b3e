using System.Text.RegularExpressions;

namespace MyNoSql.Packaging.Tests.Support;

/// <summary>The C# code blocks of the documentation, so the apps the tests build run what the documents show.</summary>
public static partial class MarkdownSnippet
{
    /// <summary>The first <c>```csharp</c> block after the line <paramref name="heading"/> (or from the top when null).</summary>
    public static string CSharpAfter(string markdownFile, string? heading)
    {
        string text = File.ReadAllText(markdownFile).ReplaceLineEndings("\n");
        int from = 0;
        if (heading is not null)
        {
            from = text.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
            if (from < 0) throw new InvalidOperationException($"{markdownFile} has no heading '{heading}'.");
        }
        var block = CSharpBlock().Match(text, from);
        if (!block.Success) throw new InvalidOperationException($"{markdownFile} has no ```csharp block after '{heading}'.");
        return block.Groups["code"].Value;
    }

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
