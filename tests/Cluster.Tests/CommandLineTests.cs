using Microsoft.Extensions.Configuration;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Silo.Configuration;

namespace MyNoSql.Cluster.Tests;

/// <summary>The mirror's command line (DESIGN §5): defaults, every option, and clear errors for bad values.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var o = new MirrorOptions();
        Assert.Equal(("./data", 8800, 11111, 30000, "localhost", "lzma-shards", "127.0.0.1"),
            (o.Data, o.HttpPort, o.SiloPort, o.GatewayPort, o.Clustering, o.Storage, o.HttpHost));
        Assert.Equal("http://127.0.0.1:8800", o.EffectiveAdvertiseUrl());
        Assert.Equal(16 << 20, o.MaxDocumentSize);
        Assert.False(o.RequestLogging);
        Assert.Empty(MirrorOptionsValidator.Validate(o));
    }

    [Fact]
    public void Every_documented_option_maps_onto_the_mirror_section()
    {
        var settings = CommandLine.Parse(["--data", "/d", "--http-port", "1", "--silo-port", "2", "--gateway-port", "3",
            "--primary", "127.0.0.1:2", "--cluster-id", "c", "--clustering", "adonet", "--storage=adonet",
            "--connection-string", "Host=x", "--advertise-url", "http://m:1", "--request-logging"], out var error, out bool help);
        Assert.Null(error);
        Assert.False(help);
        Assert.Equal("/d", settings!["Mirror:Data"]);
        Assert.Equal("1", settings["Mirror:HttpPort"]);
        Assert.Equal("127.0.0.1:2", settings["Mirror:Primary"]);
        Assert.Equal("adonet", settings["Mirror:Storage"]);
        Assert.Equal("Host=x", settings["Mirror:ConnectionString"]);
        Assert.Equal("true", settings["Mirror:RequestLogging"]);
    }

    [Theory]
    [InlineData(new[] { "--read-only" }, "true")]
    [InlineData(new[] { "--read-only", "--data", "/d" }, "true")]
    [InlineData(new[] { "--read-only=false" }, "false")]
    [InlineData(new[] { "--read-only", "true" }, "true")]
    public void Read_only_is_a_switch(string[] args, string expected)
    {
        var settings = CommandLine.Parse(args, out var error, out _);
        Assert.Null(error);
        Assert.Equal(expected, settings!["Mirror:ReadOnly"]);
        Assert.False(new MirrorOptions().ReadOnly);
        Assert.Contains("--read-only", CommandLine.Usage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--bogus", "1" }, "unknown option '--bogus'")]
    [InlineData(new[] { "--data" }, "needs a value")]
    public void Malformed_command_lines_are_refused(string[] args, string message)
    {
        Assert.Null(CommandLine.Parse(args, out var error, out _));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HttpPort", 0, "--http-port must be 1–65535")]
    [InlineData("SiloPort", 70000, "--silo-port must be 1–65535")]
    [InlineData("Clustering", "zookeeper", "--clustering must be 'localhost' or 'adonet'")]
    [InlineData("Storage", "s3", "--storage must be 'lzma-shards' or 'adonet'")]
    [InlineData("Primary", "nohost", "--primary must be HOST:PORT")]
    [InlineData("AdvertiseUrl", "ftp://x", "--advertise-url must be an absolute http(s) URL")]
    [InlineData("HistoryDepth", -1, "--history-depth must be 0 to 1000")]
    [InlineData("HistoryDepth", 1001, "--history-depth must be 0 to 1000")]
    public void Bad_values_are_reported_by_option_name(string property, object value, string message)
    {
        var o = new MirrorOptions();
        typeof(MirrorOptions).GetProperty(property)!.SetValue(o, value);
        Assert.Contains(MirrorOptionsValidator.Validate(o), e => e.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Replicas", "0x2", "--replicas")]
    [InlineData("Replicas", "+2", "--replicas")]
    [InlineData("Replicas", " 2", "--replicas")]
    [InlineData("Replicas", "2.0", "--replicas")]
    [InlineData("Replicas", "", "--replicas")]
    [InlineData("HttpPort", "0x1F90", "--http-port")]
    [InlineData("MaxAttachmentBytes", "1e9", "--max-attachment-bytes")]
    [InlineData("RateLimitBurst", "+10", "--rate-limit-burst")]
    public void Integer_options_take_decimal_digits_only(string property, string value, string option)
    {
        // The configuration binder alone reads 0x2 as hexadecimal and +2 as 2: checked before binding, from every source.
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Mirror:{property}"] = value })
            .Build().GetSection(MirrorOptions.Section);
        Assert.Equal([$"{option} must be a whole number in decimal digits (got '{value}')"], MirrorOptionsValidator.ValidateIntegers(section));
    }

    [Theory]
    [InlineData("Replicas", "99999999999", "--replicas")]
    [InlineData("HttpPort", "-99999999999", "--http-port")]
    [InlineData("MaxAttachmentBytes", "99999999999999999999", "--max-attachment-bytes")]
    public void Integer_options_beyond_their_type_are_named_not_left_to_the_binder(string property, string value, string option)
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Mirror:{property}"] = value })
            .Build().GetSection(MirrorOptions.Section);
        Assert.Equal([$"{option} is out of range (got '{value}')"], MirrorOptionsValidator.ValidateIntegers(section));
    }

    [Theory]
    [InlineData("2")]
    [InlineData("-1")] // the range check names it (--replicas must be 1 or more)
    [InlineData("007")]
    public void Decimal_integers_pass_to_the_range_checks(string value)
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mirror:Replicas"] = value,
            ["Mirror:ReplicationTimeoutSeconds"] = "+1.5", // not an integer option
        }).Build().GetSection(MirrorOptions.Section);
        Assert.Empty(MirrorOptionsValidator.ValidateIntegers(section));
    }

    [Fact]
    public void AdoNet_needs_a_connection_string()
    {
        var o = new MirrorOptions { Storage = "adonet" };
        Assert.Contains(MirrorOptionsValidator.Validate(o), e => e.Contains("--connection-string is required", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "--http-port", "abc" }, "--http-port must be a whole number in decimal digits (got 'abc')")]
    [InlineData(new[] { "--replicas", "0x2" }, "--replicas must be a whole number in decimal digits (got '0x2')")]
    [InlineData(new[] { "--http-port", "99999999999" }, "--http-port is out of range (got '99999999999')")]
    [InlineData(new[] { "--http-port", "0" }, "--http-port must be 1–65535")]
    [InlineData(new[] { "--nope" }, "unknown option")]
    [InlineData(new[] { "--storage", "adonet" }, "--connection-string is required")]
    public async Task The_host_exits_with_code_2_and_says_why(string[] args, string message)
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Run([RepoPaths.SiloDll, "--data", data.Path, .. args]);
        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(message, silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_prints_the_options_and_exits_0()
    {
        await using var silo = SiloProcess.Run([RepoPaths.SiloDll, "--help"]);
        Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("--primary HOST:PORT", silo.Output, StringComparison.Ordinal);
    }
}
