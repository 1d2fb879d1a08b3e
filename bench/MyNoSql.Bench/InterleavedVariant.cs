using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>One database taking part in an interleaved save measurement: a label and how to open it (fresh).</summary>
internal sealed record InterleavedVariant(string Label, Func<Task<IBenchEngine>> Open);
