using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace MyNoSql.Cli.Commands;

/// <summary>One batch of parsed records and where each came from (line or array element numbers, for messages).</summary>
internal sealed record ImportBatch(List<JsonObject> Records, List<long> Positions, string Unit, long BytesRead);

/// <summary>
/// Reads an import file, NDJSON (one JSON object a line; blank lines skipped) or one JSON array of objects, and parses
/// it into batches on its own thread, a few batches ahead of the writer: parsing the next batch overlaps saving this
/// one, which is what keeps an import near the engine's batched save rate. The source is read once, front to back,
/// so pipes, FIFOs and stdin work as files do.
/// </summary>
internal static class ImportReader
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 256 };

    /// <summary>Starts reading <paramref name="source"/> (named <paramref name="path"/> in messages). On malformed input
    /// the records read before it are sent as a last batch, then the channel completes with an
    /// <see cref="ImportInputException"/> naming file and line.</summary>
    public static ChannelReader<ImportBatch> Start(Stream source, string path, int batchSize, CancellationToken ct)
    {
        var channel = Channel.CreateBounded<ImportBatch>(new BoundedChannelOptions(3) { SingleReader = true, SingleWriter = true });
        _ = Task.Run(async () =>
        {
            try
            {
                var stream = new ForwardStream(source);
                await using (stream.ConfigureAwait(false))
                {
                    if (await stream.PeekFirstSignificantByteAsync(ct).ConfigureAwait(false) == '[')
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

    private static async Task ReadLinesAsync(Stream stream, string path, int batchSize, ChannelWriter<ImportBatch> writer, CancellationToken ct)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int start = 0, end = 0;
            long line = 0, consumed = 0;
            var batch = new List<JsonObject>(batchSize);
            var lines = new List<long>(batchSize);
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
                    JsonObject? record;
                    try
                    {
                        record = ParseLine(buffer.AsSpan(start, length), path, line);
                    }
                    catch (ImportInputException)
                    {
                        // Lines before the bad one are saved, so the message can say exactly what was imported.
                        if (batch.Count > 0) await writer.WriteAsync(new ImportBatch(batch, lines, "line", consumed), ct).ConfigureAwait(false);
                        throw;
                    }
                    start += nl < 0 ? length : length + 1;
                    consumed += nl < 0 ? length : length + 1;
                    if (record is null) continue;
                    batch.Add(record);
                    lines.Add(line);
                    if (batch.Count == batchSize)
                    {
                        await writer.WriteAsync(new ImportBatch(batch, lines, "line", consumed), ct).ConfigureAwait(false);
                        batch = new List<JsonObject>(batchSize);
                        lines = new List<long>(batchSize);
                    }
                }
            }
            if (batch.Count > 0) await writer.WriteAsync(new ImportBatch(batch, lines, "line", consumed), ct).ConfigureAwait(false);
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
            throw new ImportInputException($"import: {path}:{line}: not valid JSON ({e.Message.TrimEnd('.')}); each line must be one JSON object (NDJSON), or the file one JSON array.", line - 1, "line");
        }
        return node as JsonObject
            ?? throw new ImportInputException($"import: {path}:{line}: a line must be a JSON object, not {(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())}.", line - 1, "line");
    }

    private static async Task ReadArrayAsync(Stream stream, string path, int batchSize, ChannelWriter<ImportBatch> writer, CancellationToken ct)
    {
        var batch = new List<JsonObject>(batchSize);
        var elements = new List<long>(batchSize);
        long index = 0;
        try
        {
            await foreach (var node in JsonSerializer.DeserializeAsyncEnumerable<JsonNode>(stream, new JsonSerializerOptions { MaxDepth = 256 }, ct).ConfigureAwait(false))
            {
                index++;
                batch.Add(node as JsonObject
                    ?? throw new ImportInputException($"import: {path}: array element {index} must be a JSON object, not {(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())}.", index - 1, "element"));
                elements.Add(index);
                if (batch.Count == batchSize)
                {
                    await writer.WriteAsync(new ImportBatch(batch, elements, "element", stream.Position), ct).ConfigureAwait(false);
                    batch = new List<JsonObject>(batchSize);
                    elements = new List<long>(batchSize);
                }
            }
        }
        catch (Exception e) when (e is JsonException or ImportInputException)
        {
            // Elements before the bad place are saved, so the message can say exactly what was imported.
            if (batch.Count > 0) await writer.WriteAsync(new ImportBatch(batch, elements, "element", stream.Position), ct).ConfigureAwait(false);
            if (e is JsonException j)
                throw new ImportInputException($"import: {path}: not a valid JSON array of objects near line {j.LineNumber + 1}: {j.Message.TrimEnd('.')}.", index, "element");
            throw;
        }
        if (batch.Count > 0) await writer.WriteAsync(new ImportBatch(batch, elements, "element", stream.Position), ct).ConfigureAwait(false);
    }
}
