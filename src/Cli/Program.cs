using MyNoSql.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C cancels the running command cleanly (the database is closed); a second one ends the process.
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    cancel.Cancel();
};
var console = CliConsole.FromProcess();
int code = await CliApp.RunAsync(args, console, cancel.Token);
await console.Out.FlushAsync(CancellationToken.None);
return code;
