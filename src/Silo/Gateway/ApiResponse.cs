using System.Text.Json;

namespace MyNoSql.Silo.Gateway;

/// <summary>Writes the gateway's JSON responses: documents as stored bytes, errors as <c>{"error","reason"}</c> (DESIGN §4).</summary>
internal static class ApiResponse
{
    public const string JsonType = "application/json; charset=utf-8";

    /// <summary>Seconds a client is asked to wait before retrying a 503 (DESIGN §4: every 503 carries <c>Retry-After</c>).</summary>
    public const int RetryAfterSeconds = 1;

    public static Task ErrorAsync(HttpContext context, int status, string code, string reason)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("error", code);
            w.WriteString("reason", reason);
            w.WriteEndObject();
        });
    }

    public static Task JsonBytesAsync(HttpContext context, int status, byte[] json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = JsonType;
        context.Response.ContentLength = json.Length;
        return context.Response.Body.WriteAsync(json, context.RequestAborted).AsTask();
    }

    public static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(writer);
        context.Response.ContentType = JsonType;
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Answers <c>{"ok":true}</c> with <paramref name="status"/> (CouchDB's acknowledgement shape).</summary>
    public static Task OkAsync(HttpContext context, int status = 200)
    {
        context.Response.StatusCode = status;
        return WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("ok", true);
            w.WriteEndObject();
        });
    }

    /// <summary>An argument check's message as a reason: without .NET's " (Parameter 'name')" suffix, which names our code, not the request.</summary>
    public static string Reason(ArgumentException e)
    {
        // Every trailing " (Parameter 'x')": an exception made from another's message carries two.
        string message = e.Message;
        while (message.EndsWith("')", StringComparison.Ordinal) && message.LastIndexOf(" (Parameter '", StringComparison.Ordinal) is int at and >= 0
               && message.IndexOf('\'', at + 13) == message.Length - 2)
            message = message[..at];
        return message;
    }

    /// <summary>Shortens user input quoted in a reason.</summary>
    public static string Quote(string? text) =>
        text is null ? "(none)" : text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "…");
}
