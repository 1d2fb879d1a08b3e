using MyNoSql.Packaging.Tests.Support;

namespace MyNoSql.Packaging.Tests;

/// <summary>The CLI package installs from the local feed as a .NET tool and its <c>mynosql</c> command works.</summary>
[Collection(LocalFeedCollection.Name)]
public sealed class CliToolFromFeedTests(LocalFeed feed)
{
    [Fact]
    public async Task The_tool_installs_from_the_feed_and_mynosql_saves_and_reads()
    {
        string tools = Path.Combine(feed.Root, "tools");
        await Dotnet.RunAsync(feed.Root, TimeSpan.FromMinutes(4), "tool", "install", "MyNoSql.Cli", "--version", feed.Version, "--tool-path", tools);
        string mynosql = Path.Combine(tools, OperatingSystem.IsWindows() ? "mynosql.exe" : "mynosql");
        Assert.True(File.Exists(mynosql), $"no {mynosql}");

        string data = Path.Combine(feed.Root, "cli-db");
        var put = await Dotnet.RunAnyAsync(mynosql, feed.Root, TimeSpan.FromMinutes(1), "put", "shop", """{"id":"order/1","total":120}""", "--data", data);
        Assert.True(put.ExitCode == 0, put.ToString());
        var get = await Dotnet.RunAnyAsync(mynosql, feed.Root, TimeSpan.FromMinutes(1), "get", "shop", "order/1", "--data", data, "--json");
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Contains("\"total\":120", get.Output, StringComparison.Ordinal);
        var missing = await Dotnet.RunAnyAsync(mynosql, feed.Root, TimeSpan.FromMinutes(1), "get", "shop", "order/2", "--data", data);
        Assert.Equal(1, missing.ExitCode); // DESIGN §11: 1 = not found
    }
}
