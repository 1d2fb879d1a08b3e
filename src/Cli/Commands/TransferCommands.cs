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
        var file = new Argument<string>("FILE") { Description = "NDJSON (one JSON object a line) or a JSON array of objects; - for stdin" };
        var command = new Command("import", "Save every record of a file (NDJSON or a JSON array), in batches") { db, file };
        command.SetAction(async (r, ct) =>
        {
            var settings = options.Read(r);
            string path = r.GetValue(file)!;
            if (path != "-" && !File.Exists(path)) throw CliException.Usage($"import: no such file '{path}'.");
            await using IDatabaseClient client = await settings.OpenAsync(r.GetValue(db)!, background: false, ct).ConfigureAwait(false);
            var result = await ImportAsync(client, console, path, !settings.Json, ct).ConfigureAwait(false);
            if (settings.Json)
                console.Out.WriteLine(Output.Line(result.ToJson(path)));
            else
                console.Out.WriteLine($"imported {result.Imported:N0} records from {path} into '{client.Database}' in {result.Seconds:0.00} s ({(result.Seconds > 0 ? result.Imported / result.Seconds : 0):N0}/s)");
            if (result.Problem is not null) await console.Error.WriteLineAsync($"error: {result.Problem}").ConfigureAwait(false);
            return result.ExitCode;
        });
        return command;
    }

    /// <summary>Imports <paramref name="path"/> (<c>-</c>: stdin). Records the database refuses (conflicts, invalid
    /// records) are listed and the rest saved; a malformed line stops the import after saving every record before it.</summary>
    public static async Task<ImportResult> ImportAsync(IDatabaseClient client, CliConsole console, string path, bool progress, CancellationToken ct)
    {
        Stream source = OpenSource(console, path);
        long? total = source.CanSeek ? Math.Max(source.Length, 1) : null; // a pipe's size is unknown: count records
        var clock = Stopwatch.StartNew();
        var result = new ImportResult();
        await ProgressView.RunAsync(console, progress, $"import {Path.GetFileName(path)}", total, async report =>
        {
            // Stops the reader when the import ends early (unreachable, Ctrl+C): it may be batches ahead.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var cancelReader = new CancelOnDispose(stop);
            var batches = ImportReader.Start(source, path, ImportBatchSize, stop.Token);
            try
            {
                await foreach (var batch in batches.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    IReadOnlyList<RecordRefusal> refused;
                    try
                    {
                        refused = await client.SaveBatchAsync(batch.Records, ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is MyNoSqlException or CliException or IOException)
                    {
                        var (code, message) = ErrorMap.Map(e);
                        throw new CliException(code, $"import: {path}: {message.TrimEnd('.')}; {batch.Unit}s {batch.Positions[0]:N0}–{batch.Positions[^1]:N0} " +
                            $"may be partly saved, the {result.Imported:N0} records before them were imported.", e);
                    }
                    result.Add(batch, refused);
                    report(total is null ? result.Imported : batch.BytesRead);
                }
            }
            catch (ImportInputException e)
            {
                result.Stop(e);
            }
            return 0;
        }).ConfigureAwait(false);
        result.Seconds = clock.Elapsed.TotalSeconds;
        result.Describe(path);
        return result;
    }

    /// <summary>The file, or stdin for <c>-</c>; read once, front to back (pipes and FIFOs cannot seek).</summary>
    private static Stream OpenSource(CliConsole console, string path)
    {
        if (path == "-")
            return console.OpenInput?.Invoke() ?? throw CliException.Usage("import: stdin cannot be read here; give a FILE.");
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"import: cannot read '{path}': {e.Message}");
        }
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
