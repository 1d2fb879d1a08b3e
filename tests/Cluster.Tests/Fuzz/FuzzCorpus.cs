namespace MyNoSql.Cluster.Tests.Fuzz;

/// <summary>Valid material the fuzzer starts from: databases, stored ids and revisions, record batches, a checkpoint.</summary>
internal sealed class FuzzCorpus
{
    public required string BaseDb { get; init; }

    public required string[] FuzzDbs { get; init; }

    public required List<string> BaseIds { get; init; }

    public required List<string> BaseRevs { get; init; }

    public required List<byte[]> Batches { get; init; }

    public required string Checkpoint { get; init; }

    public string PollToken { get; init; } = "AAAAAAAAAAAAAAAAAAAAAA";

    /// <summary>A real current revision (a legitimate write may follow), a well-formed made-up one, or garbage.</summary>
    public string SomeRev(Random random) => random.Next(10) switch
    {
        < 3 => BaseRevs[random.Next(BaseRevs.Count)],
        < 7 => $"{random.Next(1, 5)}-{Convert.ToHexStringLower(RandomBytes(random, 16))}",
        8 => "",
        _ => "1-zz%00" + new string('f', random.Next(40)),
    };

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
