using System.Text.RegularExpressions;
using MyNoSql.Packaging.Tests.Support;

namespace MyNoSql.Packaging.Tests;

/// <summary>
/// A brand-new console app made against the local feed alone (<c>dotnet add package MyNoSql.PeerClient</c>, no project
/// references) runs the README's peer quick start, taken from README.md as it stands: only the data directory becomes
/// the app's first argument, and a few lines appended after it print what the test checks.
/// </summary>
[Collection(LocalFeedCollection.Name)]
public sealed partial class QuickStartFromFeedTests(LocalFeed feed)
{
    private static string ReadmeQuickStart =>
        MarkdownSnippet.CSharpAfter(Path.Combine(RepoPaths.Root, "README.md"), "## Peer quick start");

    /// <summary>What the test reads back, printed after the quick start's own lines (with its variables).</summary>
    private const string Report = """

        Console.WriteLine($"rev {rev}");
        Console.WriteLine($"temp {(double)doc!["temp"]!}");
        Console.WriteLine($"deleted {await db.ReadDocAsync(id) is null}");
        int live = 0;
        await foreach (var _ in db.ListIdsAsync(prefix: "")) live++;
        Console.WriteLine($"live {live}");
        Console.WriteLine($"pending {status.PendingWrites}");
        Console.WriteLine($"mirrors {string.Join(",", status.Mirrors)}");
        """;

    [Fact]
    public void The_package_readme_shows_the_readme_quick_start()
    {
        string package = MarkdownSnippet.CSharpAfter(Path.Combine(RepoPaths.Root, "src", "PeerClient", "PACKAGE.md"), "## Quick start");
        Assert.Equal(ReadmeQuickStart, package);
    }

    [Fact]
    public async Task A_new_console_app_runs_the_readme_quick_start_from_the_feed_alone()
    {
        string quickStart = ReadmeQuickStart;
        Assert.Single(DataDirectoryLiteral().Matches(quickStart));
        string program = DataDirectoryLiteral().Replace(quickStart, "DataDirectory = args[0]") + Report;

        var app = await ConsoleApp.CreateAsync(feed, "QuickStartApp", program, ("MyNoSql.PeerClient", feed.Version));

        Assert.DoesNotContain("ProjectReference", app.ProjectFile, StringComparison.Ordinal);
        var libraries = app.ResolvedLibraries();
        Assert.All(libraries, l => Assert.Equal("package", l.Value));
        Assert.Contains($"MyNoSql.PeerClient/{feed.Version}", libraries.Keys);
        Assert.Contains($"MyNoSql.Storage/{feed.Version}", libraries.Keys); // the engine came along as a dependency
        Assert.DoesNotContain(libraries.Keys, k => k.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
        Assert.True(Directory.Exists(Path.Combine(feed.PackagesDirectory, "mynosql.peerclient", feed.Version.ToLowerInvariant())),
            "MyNoSql.PeerClient was not restored from the local feed into the test's package folder");

        string data = Path.Combine(app.Directory, "db");
        var run = await app.RunAsync(TimeSpan.FromMinutes(2), data);

        var lines = run.Output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => RevLine().IsMatch(l));
        Assert.Contains("temp 22", lines);       // the update, read back
        Assert.Contains("deleted True", lines);  // the tombstone
        Assert.Contains("live 1000", lines);     // the batch of 1,000
        Assert.Contains("pending 1001", lines);  // every write waits in the outbox for a mirror
        Assert.Contains("mirrors http://mirrorhost:8800", lines);
        Assert.NotEmpty(Directory.GetFiles(data, "*", SearchOption.AllDirectories));
    }

    [GeneratedRegex("DataDirectory = \"[^\"]*\"")]
    private static partial Regex DataDirectoryLiteral();

    [GeneratedRegex("^rev 1-[0-9a-f]{32}$")]
    private static partial Regex RevLine();
}
