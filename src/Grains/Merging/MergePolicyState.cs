namespace MyNoSql.Grains.Merging;

/// <summary>Persistent state of <see cref="MergePolicyGrain"/> (and of each silo's own copy): the policy and its stamp.</summary>
[GenerateSerializer, Alias("mynosql.MergePolicyState")]
internal sealed class MergePolicyState
{
    /// <summary>Field name → lowercase strategy name.</summary>
    [Id(0)]
    public Dictionary<string, string> Fields { get; set; } = [];

    /// <summary>Hybrid-clock stamp of the change; 0 = no policy was ever set.</summary>
    [Id(1)]
    public long Stamp { get; set; }

    public MergePolicyInfo ToInfo() => new(new Dictionary<string, string>(Fields, StringComparer.Ordinal), Stamp);

    public static MergePolicyState Of(MergePolicyInfo info) => new() { Fields = new(info.Fields, StringComparer.Ordinal), Stamp = info.Stamp };
}
