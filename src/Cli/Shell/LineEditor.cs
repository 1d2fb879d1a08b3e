using System.Text;

namespace MyNoSql.Cli.Shell;

/// <summary>
/// Line editing for the interactive shell, on the terminal (Console.ReadKey): Left/Right, Home/End (Ctrl+A/E),
/// Backspace/Delete, Ctrl+U (clear), Ctrl+W (delete word), Up/Down through the history (kept in
/// <c>~/.mynosql_history</c>, last 500 lines), Tab completes the command word (a second Tab lists the choices),
/// Ctrl+C drops the line, Ctrl+D on an empty line ends the session.
/// </summary>
internal sealed class LineEditor : IDisposable
{
    private const int HistoryLimit = 500;
    private readonly TextWriter _out;
    private readonly string[] _words;
    private readonly string? _historyFile;
    private readonly List<string> _history = [];

    public LineEditor(TextWriter output, string[] words, string? historyFile)
    {
        _out = output;
        _words = words;
        _historyFile = historyFile;
        try
        {
            if (historyFile is not null && File.Exists(historyFile)) _history.AddRange(File.ReadLines(historyFile).TakeLast(HistoryLimit));
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>~/.mynosql_history, or null when there is no home folder.</summary>
    public static string? DefaultHistoryFile =>
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? Path.Combine(home, ".mynosql_history") : null;

    /// <summary>The completions of the first word of <paramref name="line"/> (empty past the first word).</summary>
    public static IReadOnlyList<string> Complete(string line, IReadOnlyList<string> words) =>
        line.Contains(' ') ? [] : [.. words.Where(w => w.StartsWith(line, StringComparison.OrdinalIgnoreCase))];

    /// <summary>Reads one line; null at Ctrl+D on an empty line.</summary>
    public string? ReadLine(string prompt)
    {
        _out.Write(prompt);
        _out.Flush();
        var buffer = new StringBuilder();
        int pos = 0, browse = _history.Count;
        bool tabbed = false;
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            bool ctrl = (key.Modifiers & ConsoleModifiers.Control) != 0;
            bool tab = key.Key == ConsoleKey.Tab;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Redraw(prompt, buffer, buffer.Length); // the cursor to the end, so output starts on a new row
                    _out.WriteLine();
                    string line = buffer.ToString();
                    Remember(line);
                    return line;
                case ConsoleKey.D when ctrl:
                    if (buffer.Length == 0)
                    {
                        _out.WriteLine();
                        return null;
                    }
                    if (pos < buffer.Length) buffer.Remove(pos, 1);
                    break;
                case ConsoleKey.C when ctrl:
                    _out.WriteLine("^C");
                    buffer.Clear();
                    pos = 0;
                    _out.Write(prompt);
                    break;
                case ConsoleKey.LeftArrow or ConsoleKey.B when ctrl || key.Key == ConsoleKey.LeftArrow:
                    if (pos > 0) pos--;
                    break;
                case ConsoleKey.RightArrow or ConsoleKey.F when ctrl || key.Key == ConsoleKey.RightArrow:
                    if (pos < buffer.Length) pos++;
                    break;
                case ConsoleKey.Home:
                case ConsoleKey.A when ctrl:
                    pos = 0;
                    break;
                case ConsoleKey.End:
                case ConsoleKey.E when ctrl:
                    pos = buffer.Length;
                    break;
                case ConsoleKey.U when ctrl:
                    buffer.Remove(0, pos);
                    pos = 0;
                    break;
                case ConsoleKey.W when ctrl:
                    int from = pos;
                    while (from > 0 && buffer[from - 1] == ' ') from--;
                    while (from > 0 && buffer[from - 1] != ' ') from--;
                    buffer.Remove(from, pos - from);
                    pos = from;
                    break;
                case ConsoleKey.Backspace:
                    if (pos > 0) buffer.Remove(--pos, 1);
                    break;
                case ConsoleKey.Delete:
                    if (pos < buffer.Length) buffer.Remove(pos, 1);
                    break;
                case ConsoleKey.UpArrow or ConsoleKey.DownArrow:
                    int next = browse + (key.Key == ConsoleKey.UpArrow ? -1 : 1);
                    if (next < 0 || next > _history.Count) break;
                    browse = next;
                    buffer.Clear().Append(browse == _history.Count ? "" : _history[browse]);
                    pos = buffer.Length;
                    break;
                case ConsoleKey.Tab:
                    var choices = Complete(buffer.ToString(), _words);
                    if (choices.Count == 1)
                    {
                        buffer.Clear().Append(choices[0]).Append(' ');
                        pos = buffer.Length;
                    }
                    else if (choices.Count > 1)
                    {
                        string common = CommonPrefix(choices);
                        if (common.Length > buffer.Length)
                        {
                            buffer.Clear().Append(common);
                            pos = buffer.Length;
                        }
                        else if (tabbed)
                        {
                            _out.WriteLine();
                            _out.WriteLine(string.Join("  ", choices));
                        }
                    }
                    break;
                default:
                    if (key.KeyChar >= ' ' && !ctrl) buffer.Insert(pos++, key.KeyChar);
                    break;
            }
            tabbed = tab;
            Redraw(prompt, buffer, pos);
        }
    }

    private void Redraw(string prompt, StringBuilder buffer, int pos)
    {
        // Carriage return, prompt and text, clear the rest of the row, then move the cursor back to pos.
        _out.Write('\r');
        _out.Write(prompt);
        _out.Write(buffer.ToString());
        _out.Write("\u001b[K");
        int back = buffer.Length - pos;
        if (back > 0) _out.Write($"\u001b[{back}D");
        _out.Flush();
    }

    private static string CommonPrefix(IReadOnlyList<string> words)
    {
        string prefix = words[0];
        foreach (var w in words)
        {
            int n = 0;
            while (n < prefix.Length && n < w.Length && prefix[n] == w[n]) n++;
            prefix = prefix[..n];
        }
        return prefix;
    }

    private void Remember(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || (_history.Count > 0 && _history[^1] == line)) return;
        _history.Add(line);
        if (_history.Count > HistoryLimit) _history.RemoveAt(0);
    }

    /// <summary>Saves the history for the next session.</summary>
    public void Dispose()
    {
        if (_historyFile is null) return;
        try
        {
            File.WriteAllLines(_historyFile, _history.TakeLast(HistoryLimit));
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
