namespace MyNoSql.Chaos.Tests;

/// <summary>
/// A fact that runs only when the environment variable <paramref name="variable"/> is <c>1</c>, and is reported as
/// skipped (with <paramref name="reason"/>) otherwise. For long or known-open chaos runs kept out of the default suite
/// but run by a documented command.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OptInFactAttribute : FactAttribute
{
    public OptInFactAttribute(string variable, string reason)
    {
        if (Environment.GetEnvironmentVariable(variable) != "1") Skip = $"{reason} Run it with {variable}=1.";
    }
}
