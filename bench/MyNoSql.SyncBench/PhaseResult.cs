namespace MyNoSql.SyncBench;

/// <summary>One measured phase: wall seconds, bytes up (peer → server) and down, HTTP requests (when known), CPU seconds
/// of the client side and of the server side (PouchDB: both in one node process, reported as client).</summary>
internal sealed record PhaseResult(string Name, double Seconds, long Up, long Down, long? Requests = null, double? ClientCpu = null, double? ServerCpu = null);
