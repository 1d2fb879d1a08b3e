using System.Text.Json;

namespace MyNoSql.Packaging.Tests.Support;

/// <summary>A brand-new console app under the feed's folder, made as a user makes one: <c>dotnet new console</c>,
/// <c>dotnet add package</c> (no project references), its own Program.cs, <c>dotnet build</c>.</summary>
public sealed class ConsoleApp
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(4);

    private ConsoleApp(string directory, string name)
    {
        Directory = directory;
        Name = name;
    }

    /// <summary>The app's project folder.</summary>
    public string Directory { get; }

    /// <summary>The project (and assembly) name.</summary>
    public string Name { get; }

    /// <summary>The built app.</summary>
    public string Dll => Path.Combine(Directory, "bin", "Release", "net10.0", Name + ".dll");

    /// <summary>Creates, adds the packages (the last add restores, the others only edit the project), writes Program.cs, builds.</summary>
    public static async Task<ConsoleApp> CreateAsync(LocalFeed feed, string name, string program, params (string Id, string Version)[] packages)
    {
        string dir = Path.Combine(feed.Root, name);
        await Dotnet.RunAsync(feed.Root, Step, "new", "console", "--name", name, "--output", dir, "--framework", "net10.0", "--no-restore");
        for (int i = 0; i < packages.Length; i++)
        {
            var args = new List<string> { "add", "package", packages[i].Id, "--version", packages[i].Version };
            if (i < packages.Length - 1) args.Add("--no-restore");
            await Dotnet.RunAsync(dir, Step, [.. args]);
        }
        await File.WriteAllTextAsync(Path.Combine(dir, "Program.cs"), program);
        await Dotnet.RunAsync(dir, Step, "build", "-c", "Release");
        return new ConsoleApp(dir, name);
    }

    /// <summary>Runs the built app; throws with its output when it fails.</summary>
    public async Task<ProcessResult> RunAsync(TimeSpan timeout, params string[] args)
    {
        var result = await Dotnet.RunAnyAsync("dotnet", Directory, timeout, [Dll, .. args]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"{Name} failed: {result}");
        return result;
    }

    /// <summary>The project's own file as written by the template and <c>dotnet add package</c>.</summary>
    public string ProjectFile => File.ReadAllText(Path.Combine(Directory, Name + ".csproj"));

    /// <summary>Every library the restore resolved, with its type (<c>package</c> or <c>project</c>): name/version → type.</summary>
    public IReadOnlyDictionary<string, string> ResolvedLibraries()
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "obj", "project.assets.json")));
        return assets.RootElement.GetProperty("libraries").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetProperty("type").GetString()!);
    }
}
