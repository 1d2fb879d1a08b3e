using System.Text.Json;

namespace MyNoSql.Cluster.Tests.Fuzz;

/// <summary>
/// One request to throw at the gateway. <see cref="Framing"/> marks requests Kestrel itself rejects before the app
/// sees them (bad request line, raw non-ASCII target, broken chunking): those get a bare 4xx with no JSON body,
/// which the app has no hook to change. <see cref="Expect"/> is an exact status, or 0 for "any 2xx or 4xx".
/// </summary>
internal sealed record HostileRequest(string Name, string Method, string Target, (string Name, string Value)[] Headers, byte[]? Body,
    bool Chunked = false, bool Framing = false, int Expect = 0)
{
    public byte[] ToBytes() => RawHttp.Request(Method, Target, Headers, Body, Chunked);

    public bool IsHead => Method == "HEAD";

    public override string ToString() =>
        $"{Name}: {Method} {(Target.Length > 120 ? Target[..120] + "…" : Target)} [{string.Join(", ", Headers.Select(h => h.Name + ": " + (h.Value.Length > 60 ? h.Value[..60] + "…" : h.Value)))}] body {Body?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}{(Chunked ? " chunked" : "")}";

    /// <summary>
    /// The gateway's contract for any answer: a 2xx, or a 4xx with the JSON <c>{"error","reason"}</c> body (bare
    /// for framing errors); never a 5xx, and never silence. Returns a failure message, or null when it holds.
    /// </summary>
    public string? Violation(RawResponse response)
    {
        if (response.Status == 0)
            return Framing || (Body?.Length ?? 0) > 1 << 20 ? null : "the server closed the connection without an answer";
        if (Expect != 0 && response.Status != Expect) return $"status {response.Status}, expected {Expect}: {Short(response.Text)}";
        if (response.Status >= 500) return $"5xx: {response.Status} {Short(response.Text)}";
        if (response.Status is < 200 or >= 300 and < 400) return $"unexpected status {response.Status}";
        if (response.Status < 400 || IsHead || Framing && response.Body.Length == 0) return null;
        if (!response.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return $"{response.Status} with content type '{response.ContentType}' and body '{Short(response.Text)}'";
        try
        {
            using var doc = JsonDocument.Parse(response.Body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object ||
                !root.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.String || error.GetString()!.Length == 0 ||
                !root.TryGetProperty("reason", out var reason) || reason.ValueKind != JsonValueKind.String || reason.GetString()!.Length == 0)
                return $"{response.Status} body is not {{\"error\",\"reason\"}}: {Short(response.Text)}";
        }
        catch (JsonException e)
        {
            return $"{response.Status} body is not JSON ({e.Message}): {Short(response.Text)}";
        }
        return null;
    }

    private static string Short(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
