using System.Security;
using System.Xml.Linq;

namespace MyNoSql.Packaging.Tests.Support;

/// <summary>
/// The packages, packed once per test run from the already-built output (<c>dotnet pack MyNoSql.sln --no-build</c>, so
/// packing never races a build) into a temp folder feed, plus a <c>nuget.config</c> above the apps the tests create:
/// <c>MyNoSql.*</c> only from that feed (package source mapping), everything else from the machine's own sources;
/// packages land in a temp global-packages folder, with the machine's as a read-only fallback (nothing is downloaded
/// that the machine already has, and the machine's cache is left as it was).
/// </summary>
public sealed class LocalFeed : IAsyncLifetime
{
    /// <summary>Every package <c>dotnet pack</c> of the solution must make, and nothing else.</summary>
    public static readonly string[] PackageIds =
        ["MyNoSql.Cli", "MyNoSql.Grains", "MyNoSql.Grains.Interfaces", "MyNoSql.PeerClient", "MyNoSql.PeerClient.Orleans", "MyNoSql.Storage"];

    private readonly TempDirectory _root = new("mynosql-packaging-");

    /// <summary>Folder holding the feed, the nuget.config, the temp package cache and the apps.</summary>
    public string Root => _root.Path;

    /// <summary>The local feed: the .nupkg and .snupkg files.</summary>
    public string FeedDirectory => Path.Combine(Root, "feed");

    /// <summary>The nuget.config every app under <see cref="Root"/> restores with.</summary>
    public string NuGetConfig => Path.Combine(Root, "nuget.config");

    /// <summary>Where restores under <see cref="Root"/> put packages.</summary>
    public string PackagesDirectory => Path.Combine(Root, "packages");

    /// <summary>VersionPrefix from Directory.Build.props.</summary>
    public string VersionPrefix { get; private set; } = "";

    /// <summary>The packed version: the prefix plus a suffix unique to this run, so no cache anywhere can serve an older build.</summary>
    public string Version { get; private set; } = "";

    /// <summary>How long the pack took.</summary>
    public TimeSpan PackTime { get; private set; }

    /// <summary>The machine's own package sources (enabled ones), as <c>dotnet nuget list source</c> shows them.</summary>
    public IReadOnlyList<string> MachineSources { get; private set; } = [];

    public async Task InitializeAsync()
    {
        VersionPrefix = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props"))
            .Descendants("VersionPrefix").Single().Value;
        Version = $"{VersionPrefix}-pkgtest{Guid.NewGuid():N}"[..(VersionPrefix.Length + 16)];
        Directory.CreateDirectory(FeedDirectory);

        var started = DateTime.UtcNow;
        await Dotnet.RunAsync(RepoPaths.Root, TimeSpan.FromMinutes(4), "pack", "MyNoSql.sln", "--no-build",
            "-c", RepoPaths.Configuration, $"-p:PackageOutputPath={FeedDirectory}", $"-p:VersionSuffix={Version[(VersionPrefix.Length + 1)..]}");
        PackTime = DateTime.UtcNow - started;

        // Asked from the temp folder (no repository config above it): the user's and the machine's settings only.
        var sources = await Dotnet.RunAsync(Root, TimeSpan.FromMinutes(1), "nuget", "list", "source", "--format", "Short");
        MachineSources = sources.Output.Split('\n', StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("E ", StringComparison.Ordinal)).Select(l => l[2..].Trim()).ToList();
        if (MachineSources.Count == 0) throw new InvalidOperationException($"The machine has no enabled NuGet source:\n{sources}");
        var locals = await Dotnet.RunAsync(Root, TimeSpan.FromMinutes(1), "nuget", "locals", "global-packages", "--list");
        string machinePackages = locals.Output.Trim()["global-packages:".Length..].Trim();
        await File.WriteAllTextAsync(NuGetConfig, Config(machinePackages));
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The .nupkg file of <paramref name="id"/>.</summary>
    public string Package(string id) => Path.Combine(FeedDirectory, $"{id}.{Version}.nupkg");

    private string Config(string machinePackages)
    {
        static string X(string s) => SecurityElement.Escape(s);
        var sources = MachineSources.Select((url, i) => (Key: $"machine{i}", Url: url)).ToList();
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{X(PackagesDirectory)}" />
              </config>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{X(machinePackages)}" />
              </fallbackPackageFolders>
              <packageSources>
                <clear />
                <add key="mynosql-local" value="{X(FeedDirectory)}" />
            {string.Concat(sources.Select(s => $"    <add key=\"{s.Key}\" value=\"{X(s.Url)}\" />\n"))}  </packageSources>
              <packageSourceMapping>
                <clear />
                <packageSource key="mynosql-local">
                  <package pattern="MyNoSql.*" />
                </packageSource>
            {string.Concat(sources.Select(s => $"    <packageSource key=\"{s.Key}\">\n      <package pattern=\"*\" />\n    </packageSource>\n"))}  </packageSourceMapping>
            </configuration>
            """;
    }
}

[CollectionDefinition(Name)]
public sealed class LocalFeedCollection : ICollectionFixture<LocalFeed>
{
    public const string Name = "local feed";
}
