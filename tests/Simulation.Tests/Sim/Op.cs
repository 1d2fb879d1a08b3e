namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>What one step of a schedule does. Intents only: a step is resolved against the state when it runs.</summary>
internal enum OpKind
{
    Save,
    Delete,
    Read,
    Sync,
    SyncThenCrash,
    Resolve,
    AntiEntropy,
    CutLink,
    HealLink,
    CrashOrRestart,
    /// <summary>Seal a node's logs into LZMA segments now, so later reads, merges and recoveries meet segments too.</summary>
    Compact,
    Tick,
}

/// <summary>
/// One step: <paramref name="A"/>/<paramref name="B"/> pick nodes, <paramref name="Item"/> an id or variant, and
/// <paramref name="Seed"/> seeds the step's own random stream (fault decisions inside it), so dropping other steps
/// while shrinking leaves this step's choices unchanged.
/// </summary>
internal sealed record Op(int Index, OpKind Kind, int A, int B, int Item, int Seed);
