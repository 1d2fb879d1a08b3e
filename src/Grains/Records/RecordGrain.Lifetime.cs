namespace MyNoSql.Grains.Records;

/// <summary>
/// How long an idle record grain stays active. Many records are written once and then left alone (a reading, a log
/// line, an event), and an activation costs ~4 KB of heap (measured: one mirror, ~200-byte records). Kept for five idle
/// minutes, as before, 2,000 new records/s held ~600,000 activations, and a mirror with a 1 GiB heap limit thrashed in
/// full collections within two minutes. An activation is therefore collected after <see cref="Idle"/> without a call,
/// unless it has written its record more than once: a record written again is likely written again soon, and a new
/// activation costs a read of the other mirrors' copies (read repair) and a directory registration, so from its second
/// write on it is kept <see cref="RewrittenIdle"/> after each write, as every activation was before.
/// </summary>
internal sealed partial class RecordGrain
{
    /// <summary>Idle time after which an activation is collected (with up to one <see cref="CollectionQuantum"/> more).
    /// Given as text: Orleans' <c>Minutes</c> property would round it up to a minute.</summary>
    internal const string Idle = "00:00:20";

    /// <summary>Idle time after which an activation that wrote its record more than once is collected.</summary>
    internal static readonly TimeSpan RewrittenIdle = TimeSpan.FromMinutes(5);

    /// <summary>The silo's collection period (Orleans' default is a minute, which would keep an activation up to a
    /// minute and 20 s); <see cref="MirrorSiloBuilderExtensions.AddMyNoSqlMirror"/> lowers it to this.</summary>
    internal static readonly TimeSpan CollectionQuantum = TimeSpan.FromSeconds(5);

    private int _writes;

    /// <summary>A write of this record by this activation: from the second on, each keeps it <see cref="RewrittenIdle"/>.</summary>
    private void NoteWrite()
    {
        if (++_writes > 1) DelayDeactivation(RewrittenIdle);
    }
}
