namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>What the network does to one request.</summary>
internal enum Fault
{
    None,
    /// <summary>Link cut or receiver down: refused at once.</summary>
    Refused,
    DropRequest,
    /// <summary>Delivered after the caller's timeout (the caller sees a timeout; the receiver applies it later).</summary>
    DelayRequest,
    /// <summary>Applied, but the answer is lost (the caller sees a timeout).</summary>
    DropResponse,
    Duplicate,
}

/// <summary>
/// Links between nodes (cut or up), a simulated clock and the messages in flight. Every decision comes from the
/// random stream of the step being run, so a run is a function of its seed.
/// </summary>
internal sealed class SimNetwork(SimOptions options)
{
    private readonly HashSet<(string, string)> _cut = [];
    private readonly List<InFlight> _inFlight = [];
    private long _sequence;

    private readonly Dictionary<(string, string), Queue<Fault>> _forced = [];

    public long Now { get; private set; }

    /// <summary>Scripted scenarios: the next message from <paramref name="from"/> to <paramref name="to"/> meets <paramref name="fault"/>.</summary>
    public void Force(string from, string to, Fault fault)
    {
        if (!_forced.TryGetValue((from, to), out var queue)) _forced[(from, to)] = queue = new Queue<Fault>();
        queue.Enqueue(fault);
    }

    public bool FaultsEnabled { get; set; } = true;

    public int InFlightCount => _inFlight.Count;

    public void Advance(long ms) => Now += ms;

    public bool IsCut(string a, string b) => _cut.Contains(Key(a, b));

    public bool Cut(string a, string b) => _cut.Add(Key(a, b));

    public bool Heal(string a, string b) => _cut.Remove(Key(a, b));

    public void HealAll() => _cut.Clear();

    public IReadOnlyCollection<(string, string)> CutLinks => _cut;

    /// <summary>The fate of one message from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public Fault Decide(Random rng, string from, string to, bool receiverUp, bool duplicable)
    {
        if (!receiverUp || IsCut(from, to)) return Fault.Refused;
        if (_forced.TryGetValue((from, to), out var forced) && forced.Count > 0) return forced.Dequeue();
        if (!FaultsEnabled) return Fault.None;
        double x = rng.NextDouble();
        if ((x -= options.DropRequest) < 0) return Fault.DropRequest;
        if ((x -= options.DelayRequest) < 0) return Fault.DelayRequest;
        if ((x -= options.DropResponse) < 0) return Fault.DropResponse;
        if (duplicable && (x -= options.Duplicate) < 0) return Fault.Duplicate;
        return Fault.None;
    }

    /// <summary>Queues a message delivered at <paramref name="due"/> (if its receiver is up and the link whole then).</summary>
    public void Enqueue(long due, string from, string to, string what, Func<Task> deliver) =>
        _inFlight.Add(new InFlight(due, ++_sequence, from, to, what, deliver));

    /// <summary>Removes and returns the messages due by now (all of them with <paramref name="all"/>), in delivery order.</summary>
    public List<InFlight> TakeDue(bool all)
    {
        var due = _inFlight.Where(m => all || m.Due <= Now).OrderBy(m => m.Due).ThenBy(m => m.Sequence).ToList();
        foreach (var m in due) _inFlight.Remove(m);
        return due;
    }

    private static (string, string) Key(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);

    internal sealed record InFlight(long Due, long Sequence, string From, string To, string What, Func<Task> Deliver);
}
