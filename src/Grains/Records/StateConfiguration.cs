namespace MyNoSql.Grains.Records;

/// <summary>Names a grain's persistent state and the storage provider chosen by configuration.</summary>
internal sealed record StateConfiguration(string StateName, string? StorageName) : IPersistentStateConfiguration;
