using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace MyNoSql.Silo.Gateway;

/// <summary>Reads a request body up to a size limit.</summary>
internal static class RequestBody
{
    /// <summary>The body, or null when it is larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(HttpContext context, int maxBytes)
    {
        var request = context.Request;
        if (request.ContentLength is long declared && declared > maxBytes) return null;
        // Our own limit applies; lift Kestrel's (30 MB by default) so a configured larger maximum works.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = (long)maxBytes + 1;
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, maxBytes) + 1);
        while (true)
        {
            var memory = buffer.GetMemory(Math.Min(64 * 1024, maxBytes + 1 - buffer.WrittenCount + 1));
            int read = await request.Body.ReadAsync(memory, context.RequestAborted).ConfigureAwait(false);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes) return null;
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A JSON body (DESIGN §11): one sent as JSON, or any body that parses as one JSON object whatever its Content-Type
    /// says (curl's default is form-urlencoded). Answers 413 (<paramref name="tooLarge"/>) or 415
    /// (<paramref name="expected"/>, naming the Content-Type) itself and returns null then; a body declared as JSON that
    /// is malformed is returned as is, for the caller's own 400.
    /// </summary>
    public static async Task<byte[]?> ReadJsonAsync(HttpContext context, int maxBytes, string tooLarge, string expected)
    {
        bool declared = context.Request.HasJsonContentType();
        var body = await ReadAsync(context, maxBytes).ConfigureAwait(false);
        if (body is null)
        {
            await ApiResponse.ErrorAsync(context, 413, "too_large", tooLarge).ConfigureAwait(false);
            return null;
        }
        if (declared || IsJsonObject(body)) return body;
        await ApiResponse.ErrorAsync(context, 415, "unsupported_media_type",
            $"{expected}: send it as Content-Type: application/json, or any body that parses as one JSON object (got Content-Type '{ApiResponse.Quote(context.Request.ContentType)}' and a body that is not one).").ConfigureAwait(false);
        return null;
    }

    /// <summary>True when <paramref name="body"/> is exactly one JSON object.</summary>
    private static bool IsJsonObject(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.TrySkip()) return false;
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
