using Microsoft.Extensions.Configuration;
using MyNoSql.Silo.Configuration;

namespace MyNoSql.Cluster.Tests.Attachments;

/// <summary><c>--max-attachment-bytes</c> (DESIGN §9): default 4 GiB, from the command line, appsettings or the environment, validated.</summary>
public sealed class MaxAttachmentBytesOptionTests
{
    [Fact]
    public void The_default_is_4_GiB_and_the_option_maps_onto_the_mirror_section()
    {
        Assert.Equal(4L << 30, new MirrorOptions().MaxAttachmentBytes);
        var settings = CommandLine.Parse(["--max-attachment-bytes", "1048576"], out var error, out _);
        Assert.Null(error);
        Assert.Equal("1048576", settings!["Mirror:MaxAttachmentBytes"]);
        // appsettings.json and MYNOSQL_Mirror__MaxAttachmentBytes bind through the same section.
        var bound = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Mirror:MaxAttachmentBytes"] = "8589934592" })
            .Build().GetSection(MirrorOptions.Section).Get<MirrorOptions>()!;
        Assert.Equal(8L << 30, bound.MaxAttachmentBytes);
        Assert.Empty(MirrorOptionsValidator.Validate(bound));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    [InlineData((1L << 40) + 1)]
    public void Out_of_range_values_are_reported_by_option_name(long value)
    {
        var errors = MirrorOptionsValidator.Validate(new MirrorOptions { MaxAttachmentBytes = value });
        Assert.Contains(errors, e => e.Contains("--max-attachment-bytes must be 1–1099511627776 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_host_refuses_a_bad_value_with_exit_code_2()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Run([RepoPaths.SiloDll, "--data", data.Path, "--max-attachment-bytes", "0"]);
        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("--max-attachment-bytes must be", silo.Output, StringComparison.Ordinal);
    }
}
