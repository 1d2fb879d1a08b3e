using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using MyNoSql.Packaging.Tests.Support;

namespace MyNoSql.Packaging.Tests;

/// <summary>
/// A plain Orleans application hosts a mirror (DESIGN §11): a brand-new console app with the MyNoSql.Grains package from
/// the local feed and Microsoft.Extensions.Hosting, whose Program.cs is the program in src/Grains/PACKAGE.md as written
/// (<c>Host.CreateDefaultBuilder().UseOrleans(silo =&gt; silo.UseLocalhostClustering(…).AddLzmaShardGrainStorage(…)
/// .AddMyNoSqlMirror(…))</c>, then <c>IRecordGrain.Save</c>/<c>Read</c>). Run twice as two processes: the first saves the
/// record under the data directory, the second (a restarted host) reads it back without saving.
/// </summary>
[Collection(LocalFeedCollection.Name)]
public sealed partial class MirrorInOrleansAppTests(LocalFeed feed)
{
    [Fact]
    public async Task A_plain_Orleans_app_hosts_a_mirror_that_keeps_its_records_across_a_restart()
    {
        string program = MarkdownSnippet.CSharpAfter(Path.Combine(RepoPaths.Root, "src", "Grains", "PACKAGE.md"), heading: null);
        string hosting = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(p => p.Attribute("Include")?.Value == "Microsoft.Extensions.Hosting").Attribute("Version")!.Value;

        var app = await ConsoleApp.CreateAsync(feed, "MirrorHostApp", program,
            ("MyNoSql.Grains", feed.Version), ("Microsoft.Extensions.Hosting", hosting));

        Assert.DoesNotContain("ProjectReference", app.ProjectFile, StringComparison.Ordinal);
        var libraries = app.ResolvedLibraries();
        Assert.All(libraries, l => Assert.Equal("package", l.Value));
        foreach (string id in (string[])["MyNoSql.Grains", "MyNoSql.Grains.Interfaces", "MyNoSql.Storage"])
            Assert.Contains($"{id}/{feed.Version}", libraries.Keys);

        string data = Path.Combine(app.Directory, "data");
        var first = await RunMirrorAsync(app, data);
        var saved = Assert.Single(first, l => l.StartsWith("saved ", StringComparison.Ordinal));
        string rev = SavedLine().Match(saved) is { Success: true } s ? s.Groups["rev"].Value : throw new Xunit.Sdk.XunitException($"unexpected: {saved}");
        var read = ReadLine().Match(Assert.Single(first, l => l.StartsWith("read ", StringComparison.Ordinal)));
        Assert.True(read.Success, string.Join('\n', first));
        Assert.Equal(rev, read.Groups["rev"].Value);
        Assert.Contains("\"balance\":100", read.Groups["json"].Value, StringComparison.Ordinal);
        var stored = Directory.GetFiles(Path.Combine(data, "mirror"), "*", SearchOption.AllDirectories);
        Assert.Contains(stored, f => new FileInfo(f).Length > 0);

        var second = await RunMirrorAsync(app, data);
        Assert.DoesNotContain(second, l => l.StartsWith("saved ", StringComparison.Ordinal)); // found on disk, not saved again
        var reread = ReadLine().Match(Assert.Single(second, l => l.StartsWith("read ", StringComparison.Ordinal)));
        Assert.Equal(rev, reread.Groups["rev"].Value);
        Assert.Equal(read.Groups["json"].Value, reread.Groups["json"].Value);
    }

    /// <summary>One run of the app as its own silo (fresh ports each time), up to its graceful stop.</summary>
    private static async Task<string[]> RunMirrorAsync(ConsoleApp app, string data)
    {
        var run = await app.RunAsync(TimeSpan.FromMinutes(2), "--data", data,
            "--siloPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--gatewayPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--Logging:LogLevel:Default", "Warning");
        return run.Output.Split('\n', StringSplitOptions.TrimEntries);
    }

    [GeneratedRegex("^saved (?<status>\\w+) (?<rev>1-[0-9a-f]{32})$")]
    private static partial Regex SavedLine();

    [GeneratedRegex("^read (?<id>\\S+) (?<rev>1-[0-9a-f]{32}) (?<json>\\{.*\\})$")]
    private static partial Regex ReadLine();
}
