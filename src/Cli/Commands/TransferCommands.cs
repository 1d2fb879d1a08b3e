using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Cli.Clients;

namespace MyNoSql.Cli.Commands;

/// <summary><c>import DB FILE</c> and <c>export DB [FILE]</c>.</summary>
internal static class TransferCommands
{
    /// <summary>Records per engine batch (one sync per shard each): the engine bench's batch size.</summary>
    internal const int ImportBatchSize = 1000;

    public static Command Import(GlobalOptions options, CliConsole console, Argument<string> db)
    {
        var file = new Argument<string>("FILE") { Description = "NDJSON (one JSON object a line) or a JSON array of objects" };
        var command = new Command("import", "Save every record of a file (NDJSON or a JSON array), in batches") { db, file };
        command.SetAction(async (r, ct) =>
        {
            var settings = options.Read(r);
            string path = r.GetValue(file)!;
            if (!File.Exists(path)) throw CliException.Usage($"import: no such file '{path}'.");
            await using IDatabaseClient client = await settings.OpenAsync(r.GetValue(db)!, background: false, ct).ConfigureAwait(false);
            var (count, seconds) = await ImportAsync(client, console, path, !settings.Json, ct).ConfigureAwait(false);
            if (settings.Json)
                console.Out.WriteLine(Output.Line(new JsonObject { ["imported"] = count, ["seconds"] = Math.Round(seconds, 3), ["file"] = path }));
            else
                console.Out.WriteLine($"imported {count:N0} records from {path} into '{client.Database}' in {seconds:0.00} s ({(seconds > 0 ? count / seconds : 0):N0}/s)");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Imports <paramref name="path"/>; returns the record count and the seconds taken.</summary>
    public static async Task<(long Count, double Seconds)> ImportAsync(IDatabaseClient client, CliConsole console, string path, bool progress, CancellationToken ct)
    {
        long total = new FileInfo(path).Length;
        var clock = Stopwatch.StartNew();
        long count = await ProgressView.RunAsync(console, progress, $"import {Path.GetFileName(path)}", Math.Max(total, 1), async report =>
        {
            long saved = 0;
            // Stops the reader when the import ends early (a refused batch, Ctrl+C): it may be batches ahead.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var cancelReader = new CancelOnDispose(stop);
            var batches = ImportReader.Start(path, ImportBatchSize, stop.Token);
            await foreach (var batch in batches.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await client.SaveBatchAsync(batch.Records, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ArgumentException or MyNoSqlException or CliException)
                {
                    var (code, message) = ErrorMap.Map(e);
                    throw new CliException(code, $"import: {path}: records {batch.FirstLine}–{batch.LastLine} (line or element numbers) not saved: {message}. " +
                        $"{saved:N0} records before them were imported.", e);
                }
                saved += batch.Records.Count;
                report(batch.BytesRead);
            }
            return saved;
        }).ConfigureAwait(false);
        return (count, clock.Elapsed.TotalSeconds);
    }

    private sealed class CancelOnDispose(CancellationTokenSource source) : IDisposable
    {
        public void Dispose() => source.Cancel();
    }

    public static Command Export(GlobalOptions options, CliConsole console, Argument<string> db)
    {
        var file = new Argument<string?>("FILE") { Description = "Where to write the NDJSON (stdout without it)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("export", "Write every live record as NDJSON, to FILE or stdout") { db, file };
        command.SetAction(async (r, ct) =>
        {
            var settings = options.Read(r);
            string? path = r.GetValue(file);
            await using IDatabaseClient client = await settings.OpenAsync(r.GetValue(db)!, background: false, ct).ConfigureAwait(false);
            long count;
            if (path is null or "-")
            {
                count = await ExportAsync(client, console, console.Out, progress: false, ct).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            string temp = path + ".partial";
            try
            {
                await using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 16))
                    count = await ExportAsync(client, console, writer, !settings.Json, ct).ConfigureAwait(false);
                File.Move(temp, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CliException.Usage($"export: cannot write '{path}': {e.Message}");
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            if (settings.Json) console.Out.WriteLine(Output.Line(new JsonObject { ["exported"] = count, ["file"] = path }));
            else console.Error.WriteLine($"exported {count:N0} records from '{client.Database}' to {path}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<long> ExportAsync(IDatabaseClient client, CliConsole console, TextWriter writer, bool progress, CancellationToken ct)
    {
        long? total = progress ? await client.CountAsync(ct).ConfigureAwait(false) : null;
        return await ProgressView.RunAsync(console, progress, $"export {client.Database}", total, async report =>
        {
            long n = 0;
            await foreach (var doc in client.ExportAsync(ct).ConfigureAwait(false))
            {
                await writer.WriteLineAsync(Output.Line(doc)).ConfigureAwait(false);
                if (++n % 1000 == 0) report(n);
            }
            await writer.FlushAsync(ct).ConfigureAwait(false);
            return n;
        }).ConfigureAwait(false);
    }
}
