using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace MyNoSql.Cli.Commands;

/// <summary>One batch of parsed records and where it came from (for progress and error messages).</summary>
internal sealed record ImportBatch(List<JsonObject> Records, long FirstLine, long LastLine, long BytesRead);

/// <summary>
/// Reads an import file, NDJSON (one JSON object a line; blank lines skipped) or one JSON array of objects, and parses
/// it into batches on its own thread, a few batches ahead of the writer: parsing the next batch overlaps saving this
/// one, which is what keeps an import near the engine's batched save rate.
/// </summary>
internal static class ImportReader
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 256 };

    /// <summary>Starts reading <paramref name="path"/>; the channel completes with an error naming file and line on bad input.</summary>
    public static ChannelReader<ImportBatch> Start(string path, int batchSize, CancellationToken ct)
    {
        Stream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"import: cannot read '{path}': {e.Message}");
        }
        var channel = Channel.CreateBounded<ImportBatch>(new BoundedChannelOptions(3) { SingleReader = true, SingleWriter = true });
        _ = Task.Run(async () =>
        {
            try
            {
                await using (stream.ConfigureAwait(false))
                {
                    if (await FirstByteAsync(stream, ct).ConfigureAwait(false) == '[')
                        await ReadArrayAsync(stream, path, batchSize, channel.Writer, ct).ConfigureAwait(false);
                    else
                        await ReadLinesAsync(stream, path, batchSize, channel.Writer, ct).ConfigureAwait(false);
                }
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        }, ct);
        return channel.Reader;
    }

    private static async Task<int> FirstByteAsync(Stream stream, CancellationToken ct)
    {
        var one = new byte[1];
        int found = -1;
        while (await stream.ReadAsync(one, ct).ConfigureAwait(false) == 1)
        {
            if (one[0] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF) continue; // whitespace, UTF-8 BOM
            found = one[0];
            break;
        }
        stream.Position = 0;
        return found;
    }

    private static async Task ReadLinesAsync(Stream stream, string path, int batchSize, ChannelWriter<ImportBatch> writer, CancellationToken ct)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int start = 0, end = 0;
            long line = 0, firstLine = 1, consumed = 0;
            var batch = new List<JsonObject>(batchSize);
            bool eof = false;
            while (!eof || start < end)
            {
                if (!eof)
                {
                    if (start > 0 && start == end) start = end = 0;
                    if (end == buffer.Length)
                    {
                        if (start > 0)
                        {
                            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                            end -= start;
                            start = 0;
                        }
                        else
                        {
                            var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2); // a line longer than the buffer
                            Buffer.BlockCopy(buffer, 0, bigger, 0, end);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = bigger;
                        }
                    }
                    int n = await stream.ReadAsync(buffer.AsMemory(end), ct).ConfigureAwait(false);
                    if (n == 0) eof = true;
                    end += n;
                }
                while (start < end)
                {
                    int nl = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
                    if (nl < 0 && !eof) break;
                    int length = nl < 0 ? end - start : nl;
                    line++;
                    var record = ParseLine(buffer.AsSpan(start, length), path, line);
                    start += nl < 0 ? length : length + 1;
                    consumed += nl < 0 ? length : length + 1;
                    if (record is null) continue;
                    batch.Add(record);
                    if (batch.Count == batchSize)
                    {
                        await writer.WriteAsync(new ImportBatch(batch, firstLine, line, consumed), ct).ConfigureAwait(false);
                        batch = new List<JsonObject>(batchSize);
                        firstLine = line + 1;
                    }
                }
            }
            if (batch.Count > 0) await writer.WriteAsync(new ImportBatch(batch, firstLine, line, consumed), ct).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static JsonObject? ParseLine(ReadOnlySpan<byte> text, string path, long line)
    {
        text = text.TrimEnd((byte)'\r');
        if (line == 1 && text.StartsWith("\uFEFF"u8)) text = text[3..];
        if (text.Trim(" \t"u8).IsEmpty) return null;
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: ParseOptions);
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"import: {path}:{line}: not valid JSON ({e.Message}); each line must be one JSON object (NDJSON), or the file one JSON array.");
        }
        return node as JsonObject
            ?? throw CliException.Usage($"import: {path}:{line}: a line must be a JSON object, not {(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())}.");
    }

    private static async Task ReadArrayAsync(Stream stream, string path, int batchSize, ChannelWriter<ImportBatch> writer, CancellationToken ct)
    {
        var batch = new List<JsonObject>(batchSize);
        long index = 0, first = 1;
        try
        {
            await foreach (var node in JsonSerializer.DeserializeAsyncEnumerable<JsonNode>(stream, new JsonSerializerOptions { MaxDepth = 256 }, ct).ConfigureAwait(false))
            {
                index++;
                batch.Add(node as JsonObject
                    ?? throw CliException.Usage($"import: {path}: array element {index} must be a JSON object, not {(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())}."));
                if (batch.Count == batchSize)
                {
                    await writer.WriteAsync(new ImportBatch(batch, first, index, stream.Position), ct).ConfigureAwait(false);
                    batch = new List<JsonObject>(batchSize);
                    first = index + 1;
                }
            }
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"import: {path}: not a valid JSON array of objects near line {e.LineNumber + 1}: {e.Message}");
        }
        if (batch.Count > 0) await writer.WriteAsync(new ImportBatch(batch, first, index, stream.Position), ct).ConfigureAwait(false);
    }
}
