using System.Text;

namespace MyNoSql.Cli;

/// <summary>Where the CLI reads and writes: the process's console, or captured writers in tests.</summary>
/// <param name="In">Standard input (the shell's lines, <c>import DB -</c>).</param>
/// <param name="Out">Standard output: results only.</param>
/// <param name="Error">Standard error: messages, progress.</param>
/// <param name="InputRedirected">True when stdin is a file or pipe: the shell reads plain lines, no prompt editing.</param>
/// <param name="ErrorInteractive">True when stderr is a terminal: progress bars are drawn there.</param>
internal sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, bool InputRedirected, bool ErrorInteractive)
{
    /// <summary>Standard input as bytes (<c>import DB -</c>), or null when there is none to give.</summary>
    public Func<Stream>? OpenInput { get; init; }

    /// <summary>The process console; stdout is buffered (an export of a million lines must not flush each one).</summary>
    public static CliConsole FromProcess()
    {
        var utf8 = new UTF8Encoding(false);
        var stdout = new StreamWriter(Console.OpenStandardOutput(), utf8, 1 << 16) { AutoFlush = false };
        var stderr = new StreamWriter(Console.OpenStandardError(), utf8, 1 << 12) { AutoFlush = true };
        return new CliConsole(Console.In, stdout, stderr, Console.IsInputRedirected, !Console.IsErrorRedirected) { OpenInput = Console.OpenStandardInput };
    }
}
