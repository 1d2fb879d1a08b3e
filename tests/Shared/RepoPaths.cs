using System.Reflection;

namespace MyNoSql.Tests.Support;

/// <summary>Locations in the repository: the root, the built silo host, the deploy scripts.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Build configuration of this test run (Debug/Release): the silo host is built alongside.</summary>
    public static string Configuration { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string SiloDll => Path.Combine(Root, "src", "Silo", "bin", Configuration, "net10.0", "MyNoSql.Silo.dll");

    public static string PostgresScripts => Path.Combine(Root, "deploy", "postgresql");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MyNoSql.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"MyNoSql.sln not found above {AppContext.BaseDirectory}");
    }
}
