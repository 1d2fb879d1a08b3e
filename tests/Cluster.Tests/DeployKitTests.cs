using System.Reflection;
using System.Text.RegularExpressions;
using MyNoSql.Silo.Configuration;
using MyNoSql.Tests.Support;
using Orleans.Hosting.Kubernetes;

namespace MyNoSql.Cluster.Tests;

/// <summary>
/// deploy/ (DESIGN §11): containers, systemd and Kubernetes cannot run on this machine, so every option, environment
/// variable, port and path the files name is checked against the silo and the repository instead.
/// </summary>
public sealed partial class DeployKitTests
{
    private static readonly string Deploy = Path.Combine(RepoPaths.Root, "deploy");

    private static readonly string[] KitFiles =
    [
        "docker/Dockerfile", "docker/compose.yaml", "systemd/mynosql-mirror.service",
        "kubernetes/statefulset.yaml", "kubernetes/service.yaml", "kubernetes/rbac.yaml", "kubernetes/secret.example.yaml",
    ];

    [Fact]
    public void Every_part_has_its_readme()
    {
        foreach (string folder in new[] { "docker", "systemd", "kubernetes" })
            Assert.True(File.Exists(Path.Combine(Deploy, folder, "README.md")), $"deploy/{folder}/README.md is missing");
        foreach (string file in KitFiles) Assert.True(File.Exists(Path.Combine(Deploy, file)), $"deploy/{file} is missing");
    }

    [Fact]
    public void Every_option_and_environment_variable_named_exists_in_the_silo()
    {
        var properties = typeof(MirrorOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        int options = 0, variables = 0;
        foreach (string file in KitFiles)
        {
            // What reaches the silo: not comments, not the image build steps (dotnet publish, COPY have options of their own).
            string text = string.Join('\n', File.ReadAllLines(Path.Combine(Deploy, file))
                .Where(l => !l.TrimStart().StartsWith('#') && !l.StartsWith("RUN ", StringComparison.Ordinal) && !l.StartsWith("COPY ", StringComparison.Ordinal)));
            foreach (Match m in OptionPattern().Matches(text))
            {
                options++;
                CommandLine.Parse([m.Value, "x"], out string? error, out _);
                Assert.False(error?.StartsWith("unknown option", StringComparison.Ordinal) == true, $"deploy/{file}: {m.Value} is not a silo option");
            }
            foreach (Match m in VariablePattern().Matches(text))
            {
                variables++;
                Assert.True(properties.Contains(m.Groups[1].Value), $"deploy/{file}: MYNOSQL_Mirror__{m.Groups[1].Value} names no MirrorOptions property");
            }
        }
        Assert.True(options >= 20, $"only {options} options found: the pattern no longer matches the files");
        Assert.True(variables >= 5, $"only {variables} environment variables found");
    }

    [Fact]
    public void Ports_are_the_silos_and_the_pod_variables_are_the_ones_orleans_reads()
    {
        var defaults = new MirrorOptions();
        int[] ports = [defaults.HttpPort, defaults.SiloPort, defaults.GatewayPort];
        string docker = File.ReadAllText(Path.Combine(Deploy, "docker/Dockerfile"));
        Assert.Equal(ports, ExposePattern().Match(docker).Groups[1].Value.Split(' ').Select(int.Parse));
        string statefulSet = File.ReadAllText(Path.Combine(Deploy, "kubernetes/statefulset.yaml"));
        Assert.Equal(ports, ContainerPortPattern().Matches(statefulSet).Select(m => int.Parse(m.Groups[1].Value)));
        string compose = File.ReadAllText(Path.Combine(Deploy, "docker/compose.yaml"));
        Assert.All(PublishedPattern().Matches(compose), m => Assert.Equal(defaults.HttpPort, int.Parse(m.Groups[1].Value)));
        foreach (string variable in new[]
        {
            KubernetesHostingOptions.PodNameEnvironmentVariable, KubernetesHostingOptions.PodNamespaceEnvironmentVariable,
            KubernetesHostingOptions.PodIPEnvironmentVariable, KubernetesHostingOptions.ServiceIdEnvironmentVariable,
            KubernetesHostingOptions.ClusterIdEnvironmentVariable, KubernetesHostingOptions.ServiceIdLabel, KubernetesHostingOptions.ClusterIdLabel,
        })
        {
            Assert.Contains(variable, statefulSet, StringComparison.Ordinal);
        }
        Assert.Contains("path: /healthz", statefulSet, StringComparison.Ordinal);
    }

    [Fact]
    public void Paths_named_exist_in_the_repository_and_the_binary_is_the_silos()
    {
        string docker = File.ReadAllText(Path.Combine(Deploy, "docker/Dockerfile"));
        foreach (Match m in CopyPattern().Matches(docker))
            foreach (string source in m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
                Assert.True(File.Exists(Path.Combine(RepoPaths.Root, source)) || Directory.Exists(Path.Combine(RepoPaths.Root, source)), $"Dockerfile copies {source}, which does not exist");
        Assert.Contains("src/Silo/MyNoSql.Silo.csproj", docker, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "src/Silo/MyNoSql.Silo.csproj")));
        string dll = typeof(MirrorOptions).Assembly.GetName().Name + ".dll";
        Assert.Contains(dll, docker, StringComparison.Ordinal);
        Assert.Contains(dll, File.ReadAllText(Path.Combine(Deploy, "systemd/mynosql-mirror.service")), StringComparison.Ordinal);
        string compose = File.ReadAllText(Path.Combine(Deploy, "docker/compose.yaml"));
        Assert.Contains("../postgresql:/docker-entrypoint-initdb.d", compose, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(Deploy, "postgresql"), "*.sql"));
        Assert.Contains("dockerfile: deploy/docker/Dockerfile", compose, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z-]+[a-z]")]
    private static partial Regex OptionPattern();

    [GeneratedRegex(@"MYNOSQL_Mirror__(\w+)")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^EXPOSE ([\d ]+)$", RegexOptions.Multiline)]
    private static partial Regex ExposePattern();

    [GeneratedRegex(@"containerPort: (\d+)")]
    private static partial Regex ContainerPortPattern();

    [GeneratedRegex(@"""\d+:(\d+)""")]
    private static partial Regex PublishedPattern();

    [GeneratedRegex(@"^COPY (?!--from)(.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyPattern();
}
