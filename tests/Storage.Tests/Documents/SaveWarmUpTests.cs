using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Documents;

/// <summary><see cref="SaveWarmUp"/> runs the CPU part of a real save (it must stay in step with the save path).</summary>
public sealed class SaveWarmUpTests
{
    [Fact]
    public void Run_ReturnsWhatASaveOfTheDummyRecordReturns()
    {
        var saved = SaveWarmUp.Run();
        Assert.Equal("warm-up", (string?)saved["id"]);
        var rev = Revision.Parse((string)saved["rev"]!);
        Assert.Equal(2, rev.Generation); // the update branch ran too
        Assert.Equal(2, (int)saved["n"]!);
        Assert.Equal("v", (string?)saved["o"]!["k"]);
        Assert.Equal(3, saved["a"]!.AsArray().Count);
    }

    [Fact]
    public void Start_TwiceIsHarmless()
    {
        SaveWarmUp.Start();
        SaveWarmUp.Start();
        Assert.NotNull(SaveWarmUp.Run());
    }
}
