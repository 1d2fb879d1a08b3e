using MyNoSql.Grains;
using MyNoSql.Silo.Configuration;

namespace MyNoSql.Cluster.Tests.Replicas;

/// <summary><c>--replicas N</c> and <c>--rebalance-rate N</c> (DESIGN §12): parsed, defaulted to full copies, validated.</summary>
public sealed class ReplicaOptionsTests
{
    [Fact]
    public void Absent_means_full_copies()
    {
        Assert.Equal(0, new MirrorOptions().Replicas);
        Assert.Equal(0, new MirrorGrainOptions().Replicas);
        Assert.Null(new MirrorGrainOptions().Validate());
    }

    [Fact]
    public void The_command_line_maps_onto_the_mirror_section()
    {
        var settings = CommandLine.Parse(["--replicas", "3", "--rebalance-rate=500"], out var error, out _);
        Assert.Null(error);
        Assert.Equal("3", settings!["Mirror:Replicas"]);
        Assert.Equal("500", settings["Mirror:RebalanceRate"]);
        Assert.Contains("--replicas N", CommandLine.Usage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, 2000, "--replicas must be 1 or more")]
    [InlineData(3, 0, "--rebalance-rate must be at least 1")]
    public void Bad_values_are_refused_with_a_clear_message(int replicas, int rate, string message)
    {
        var o = new MirrorOptions { Replicas = replicas, RebalanceRate = rate };
        Assert.Contains(MirrorOptionsValidator.Validate(o), e => e.Contains(message, StringComparison.Ordinal));
        Assert.NotNull(new MirrorGrainOptions { Replicas = replicas, RebalanceRecordsPerSecond = rate }.Validate());
    }

    [Fact]
    public void Replicas_need_a_copy_per_mirror()
    {
        var o = new MirrorOptions { Replicas = 3, Storage = "adonet", ConnectionString = "Host=x" };
        Assert.Contains(MirrorOptionsValidator.Validate(o), e => e.Contains("--replicas needs --storage lzma-shards", StringComparison.Ordinal));
        Assert.Empty(MirrorOptionsValidator.Validate(new MirrorOptions { Replicas = 3 }));
    }
}
