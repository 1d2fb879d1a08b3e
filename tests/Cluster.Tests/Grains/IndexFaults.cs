using System.Collections.Concurrent;
using MyNoSql.Grains;

namespace MyNoSql.Cluster.Tests.Grains;

/// <summary>
/// Deterministic fault injection for <see cref="GrainClusterFixture"/>: the next <c>n</c> reports of a record id to its
/// index segment (<see cref="IIndexSegmentGrain.Apply"/>) fail as a timed-out call would. Ids not listed are untouched.
/// </summary>
public static class IndexFaults
{
    private static readonly ConcurrentDictionary<string, int> FailuresLeft = new(StringComparer.Ordinal);

    /// <summary>Makes the next <paramref name="count"/> reports of <paramref name="id"/> fail.</summary>
    public static void FailNext(string id, int count) => FailuresLeft[id] = count;

    /// <summary>Reports of <paramref name="id"/> still to fail.</summary>
    public static int Left(string id) => FailuresLeft.GetValueOrDefault(id);

    public static Task Filter(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod is { Name: nameof(IIndexSegmentGrain.Apply) } method && method.DeclaringType == typeof(IIndexSegmentGrain)
            && context.Request.GetArgument(0) is string id && FailuresLeft.TryGetValue(id, out int left) && left > 0
            && FailuresLeft.TryUpdate(id, left - 1, left))
            throw new TimeoutException($"injected: the index report of '{id}' failed");
        return context.Invoke();
    }
}
