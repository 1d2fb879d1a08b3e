namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>Size and fault rates of one simulated run (small on purpose: hundreds of seeds run in CI).</summary>
internal sealed record SimOptions
{
    public int Mirrors { get; init; } = 3;

    public int Peers { get; init; } = 3;

    public int Operations { get; init; } = 45;

    /// <summary>Distinct record ids the schedule works on (few, so edits collide).</summary>
    public int Ids { get; init; } = 5;

    /// <summary>Per message: request lost (the caller times out).</summary>
    public double DropRequest { get; init; } = 0.05;

    /// <summary>Per message: request delayed past the caller's timeout, delivered later (reordered).</summary>
    public double DelayRequest { get; init; } = 0.05;

    /// <summary>Per message: applied by the receiver, answer lost (the caller times out).</summary>
    public double DropResponse { get; init; } = 0.05;

    /// <summary>Per push or replication message: delivered twice.</summary>
    public double Duplicate { get; init; } = 0.05;

    /// <summary>Simulated request timeout in ms.</summary>
    public int TimeoutMs { get; init; } = 1000;

    /// <summary>Test-only planted bug: mirrors silently drop replicated leaves that are conflicts (the checker must catch it).</summary>
    public bool PlantedBugDropConflicts { get; init; }

    /// <summary>Mirror digests cover every leaf (not only the winner), so anti-entropy also repairs a missing conflict loser.</summary>
    public bool LeafDigests { get; init; } = true;

    /// <summary>The merge policy every mirror and peer holds from the start (null: none): saves then write the fields it
    /// names (title, score, tags, visits), and the checker requires conflicts to be resolved.</summary>
    public MergePolicy? Policy { get; init; }

    /// <summary>The policy of the seeds that run with one: Latest, Max, Union and Counter over the saves' fields.</summary>
    public static MergePolicy SimPolicy() => new()
    {
        Fields = { ["title"] = MergeStrategy.Latest, ["score"] = MergeStrategy.Max, ["tags"] = MergeStrategy.Union, ["visits"] = MergeStrategy.Counter },
    };

    /// <summary>Saves also put and delete attachments (bodies through the sync/att calls to simulated chunk stores); off in
    /// the default seeds, so their schedules stay as they were (AttachmentSimulationTests runs its own seeds with it).</summary>
    public bool Attachments { get; init; }

    /// <summary>Test-only planted bug: mirrors acknowledge attachment manifests without storing the body (the checker must catch it).</summary>
    public bool PlantedBugLoseBodies { get; init; }

    /// <summary>The options a seed runs with: 2–3 mirrors, 3 peers, 30–60 steps; every even seed with a merge policy
    /// (<c>MYNOSQL_SIM_POLICY=0</c>: none, <c>=1</c>: every seed, <c>=lattice</c>: every seed, Max and Union only).</summary>
    public static SimOptions ForSeed(int seed)
    {
        var r = new Random(seed);
        return new SimOptions
        {
            Mirrors = 2 + r.Next(2),
            Operations = 30 + r.Next(31),
            // MYNOSQL_SIM_WINNER_DIGESTS=1: digests of winners only, as the grains' LocalIndex has them today.
            LeafDigests = Environment.GetEnvironmentVariable("MYNOSQL_SIM_WINNER_DIGESTS") != "1",
            // MYNOSQL_SIM_ATTACHMENTS=1: every seed also puts and deletes attachments (replays AttachmentSimulationTests' seeds).
            Attachments = Environment.GetEnvironmentVariable("MYNOSQL_SIM_ATTACHMENTS") == "1",
            Policy = Environment.GetEnvironmentVariable("MYNOSQL_SIM_POLICY") switch
            {
                "0" => null,
                "1" => SimPolicy(),
                // Strategies that need no common ancestor: every conflict is resolvable on every replica.
                "lattice" => new MergePolicy { Fields = { ["score"] = MergeStrategy.Max, ["tags"] = MergeStrategy.Union } },
                _ => seed % 2 == 0 ? SimPolicy() : null,
            },
        };
    }
}
