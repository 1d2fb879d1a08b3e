using System.Text.Json.Nodes;
using MyNoSql.Tests.Support;

namespace MyNoSql.Cluster.Tests;

/// <summary>
/// The mirror host's runtime settings (issue 14): optimized JIT from the first call without an instrumented tier, and
/// thread-pool workers that block instead of spinning. Measured in bench/README.cluster.md; a host built without them
/// spends its first minute under load in Tier-0 code and the tiering compiler.
/// </summary>
public sealed class SiloRuntimeConfigTests
{
    [Fact]
    public void The_silo_host_jits_optimized_code_and_does_not_spin_idle_workers()
    {
        string path = Path.ChangeExtension(RepoPaths.SiloDll, ".runtimeconfig.json");
        var properties = JsonNode.Parse(File.ReadAllText(path))!["runtimeOptions"]!["configProperties"]!.AsObject();

        Assert.False(properties["System.Runtime.TieredPGO"]!.GetValue<bool>());
        Assert.False(properties["System.Runtime.TieredCompilation.QuickJit"]!.GetValue<bool>());
        Assert.Equal(0, properties["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]!.GetValue<int>());
        // Tiered compilation itself stays on: ReadyToRun framework code still starts fast and tiers up when hot.
        Assert.False(properties.ContainsKey("System.Runtime.TieredCompilation"));
    }
}
