using System.IO.Compression;
using System.Reflection.Metadata;
using System.Xml.Linq;
using MyNoSql.Packaging.Tests.Support;
using Xunit.Abstractions;

namespace MyNoSql.Packaging.Tests;

/// <summary>What <c>dotnet pack</c> of the solution makes (DESIGN §11): exactly the six packages, each with its metadata,
/// README, XML docs, dependencies on the others by package, and a symbol package whose PDBs embed the sources.</summary>
[Collection(LocalFeedCollection.Name)]
public sealed class PackageContentTests(LocalFeed feed, ITestOutputHelper output)
{
    private static readonly Guid EmbeddedSource = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");

    [Fact]
    public void The_solution_packs_the_five_packages_the_engine_and_nothing_else()
    {
        output.WriteLine($"dotnet pack MyNoSql.sln --no-build: {feed.PackTime.TotalSeconds:F1} s, version {feed.Version}");
        var packed = Directory.GetFiles(feed.FeedDirectory, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(LocalFeed.PackageIds.Select(id => $"{id}.{feed.Version}.nupkg"), packed);
        foreach (string id in LocalFeed.PackageIds)
            Assert.True(File.Exists(Path.Combine(feed.FeedDirectory, $"{id}.{feed.Version}.snupkg")), $"no symbol package for {id}");
    }

    [Theory]
    [InlineData("MyNoSql.Storage")]
    [InlineData("MyNoSql.PeerClient")]
    [InlineData("MyNoSql.PeerClient.Orleans")]
    [InlineData("MyNoSql.Grains.Interfaces")]
    [InlineData("MyNoSql.Grains")]
    [InlineData("MyNoSql.Cli")]
    public void Every_package_carries_its_metadata_and_readme(string id)
    {
        using var zip = ZipFile.OpenRead(feed.Package(id));
        var meta = Nuspec(zip).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Meta(string name) => meta.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

        Assert.Equal(id, Meta("id"));
        Assert.Equal(feed.Version, Meta("version"));
        Assert.Equal("MyNoSql", Meta("authors"));
        Assert.Equal("MIT", Meta("license"));
        Assert.Equal("expression", meta.Elements().Single(e => e.Name.LocalName == "license").Attribute("type")?.Value);
        Assert.True(Meta("description").Length > 40, $"{id}: description '{Meta("description")}'");
        Assert.Contains("mynosql", Meta("tags").Split(' '));
        string readme = Meta("readme");
        Assert.NotEqual("", readme);
        var readmeEntry = zip.GetEntry(readme);
        Assert.NotNull(readmeEntry);
        using (var reader = new StreamReader(readmeEntry.Open()))
            Assert.StartsWith("# ", reader.ReadToEnd());
        if (id == "MyNoSql.Cli") return;
        Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.dll"));
        Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.xml")); // XML docs for IntelliSense
    }

    [Fact]
    public void Packages_depend_on_each_other_by_package_and_the_peer_has_no_Orleans()
    {
        Assert.Equal(["MyNoSql.Storage"], Dependencies("MyNoSql.PeerClient").Where(d => d.StartsWith("MyNoSql.", StringComparison.Ordinal)));
        Assert.DoesNotContain(Dependencies("MyNoSql.PeerClient"), d => d.Contains("Orleans", StringComparison.Ordinal));
        Assert.DoesNotContain(Dependencies("MyNoSql.Storage"), d => d.Contains("Orleans", StringComparison.Ordinal));
        Assert.Superset(new HashSet<string> { "MyNoSql.PeerClient", "MyNoSql.Grains.Interfaces", "Microsoft.Orleans.Client" },
            Dependencies("MyNoSql.PeerClient.Orleans").ToHashSet());
        Assert.Superset(new HashSet<string> { "MyNoSql.Grains.Interfaces", "MyNoSql.Storage", "Microsoft.Orleans.Server" },
            Dependencies("MyNoSql.Grains").ToHashSet());
    }

    [Fact]
    public void The_cli_is_a_dotnet_tool_named_mynosql()
    {
        using var zip = ZipFile.OpenRead(feed.Package("MyNoSql.Cli"));
        var types = Nuspec(zip).Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => e.Attribute("name")?.Value);
        Assert.Contains("DotnetTool", types);
        var settings = zip.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        using var stream = settings.Open();
        var command = XDocument.Load(stream).Descendants("Command").Single();
        Assert.Equal("mynosql", command.Attribute("Name")?.Value);
        Assert.Equal("mynosql.dll", command.Attribute("EntryPoint")?.Value);
    }

    [Theory]
    [InlineData("MyNoSql.Storage")]
    [InlineData("MyNoSql.PeerClient")]
    [InlineData("MyNoSql.Grains")]
    public void Symbol_packages_hold_pdbs_with_the_sources_embedded(string id)
    {
        using var zip = ZipFile.OpenRead(Path.Combine(feed.FeedDirectory, $"{id}.{feed.Version}.snupkg"));
        var pdb = zip.GetEntry($"lib/net10.0/{id}.pdb");
        Assert.NotNull(pdb);
        using var copy = new MemoryStream();
        using (var s = pdb.Open()) s.CopyTo(copy);
        copy.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(copy);
        var reader = provider.GetMetadataReader();
        var embedded = reader.CustomDebugInformation.Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == EmbeddedSource).Select(c => (DocumentHandle)c.Parent).ToHashSet();
        var ours = reader.Documents.Where(d => reader.GetString(reader.GetDocument(d).Name).StartsWith(RepoPaths.Root, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(ours);
        var missing = ours.Where(d => !embedded.Contains(d)).Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
        Assert.True(missing.Count == 0, $"{id}: sources not embedded: {string.Join(", ", missing.Take(5))}");
    }

    private IEnumerable<string> Dependencies(string id)
    {
        using var zip = ZipFile.OpenRead(feed.Package(id));
        return Nuspec(zip).Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => e.Attribute("id")!.Value).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    private static XDocument Nuspec(ZipArchive zip)
    {
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/')).Open();
        return XDocument.Load(stream);
    }
}
