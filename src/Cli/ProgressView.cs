using Spectre.Console;

namespace MyNoSql.Cli;

/// <summary>A progress bar on stderr while a long command runs, only when stderr is a terminal (never mixed into
/// redirected output or --json).</summary>
internal static class ProgressView
{
    /// <summary>Runs <paramref name="work"/>; it reports its position through the callback (out of
    /// <paramref name="total"/>, or a count when the total is unknown).</summary>
    public static async Task<T> RunAsync<T>(CliConsole console, bool enabled, string label, double? total, Func<Action<double>, Task<T>> work)
    {
        if (!enabled || !console.ErrorInteractive) return await work(_ => { }).ConfigureAwait(false);
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error) });
        T result = default!;
        await ansi.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(total is null
                ? [new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn()]
                : [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()])
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total ?? 100);
                task.IsIndeterminate = total is null;
                result = await work(v =>
                {
                    if (total is null) task.Description = $"{label} {v:N0}";
                    else task.Value = Math.Min(v, total.Value);
                }).ConfigureAwait(false);
                task.StopTask();
            }).ConfigureAwait(false);
        return result;
    }
}
