namespace MyNoSql.Storage.Tests.Fuzz;

/// <summary>Fuzz tests run alone: their timeouts and allocation bounds should not count other tests' work.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    public const string Name = "fuzz";
}
