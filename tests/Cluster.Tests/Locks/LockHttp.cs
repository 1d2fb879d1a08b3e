using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace MyNoSql.Cluster.Tests.Locks;

/// <summary>The lock routes of DESIGN §9 as the tests call them, and polling with a time limit.</summary>
internal static class LockHttp
{
    public static string Url(string mirror, string db, string name) => $"{mirror}/db/{db}/_locks/{Uri.EscapeDataString(name)}";

    /// <summary>POST …?ttl&amp;wait: (status, body).</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body)> AcquireAsync(HttpClient http, string mirror, string db, string name, double ttl, double wait)
    {
        using var response = await http.PostAsync($"{Url(mirror, db, name)}?ttl={S(ttl)}&wait={S(wait)}", null);
        return (response.StatusCode, await BodyAsync(response));
    }

    public static async Task<(HttpStatusCode Status, JsonObject Body)> RenewAsync(HttpClient http, string mirror, string db, string name, long token, double ttl)
    {
        using var response = await http.PutAsync($"{Url(mirror, db, name)}?token={token}&ttl={S(ttl)}", null);
        return (response.StatusCode, await BodyAsync(response));
    }

    public static async Task<(HttpStatusCode Status, JsonObject Body)> ReleaseAsync(HttpClient http, string mirror, string db, string name, long token)
    {
        using var response = await http.DeleteAsync($"{Url(mirror, db, name)}?token={token}");
        return (response.StatusCode, await BodyAsync(response));
    }

    /// <summary>PUT a record fenced by <paramref name="name"/>:<paramref name="token"/>.</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body)> SaveFencedAsync(HttpClient http, string mirror, string db, string id, string json, string name, long token)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PutAsync($"{mirror}/db/{db}/doc/{Uri.EscapeDataString(id)}?fence={Uri.EscapeDataString($"{name}:{token}")}", content);
        return (response.StatusCode, await BodyAsync(response));
    }

    public static async Task<JsonObject> BodyAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException($"HTTP {(int)response.StatusCode}: not a JSON object: {text}");
    }

    public static long Token(JsonObject body) => (long)body["token"]!;

    public static DateTimeOffset Expires(JsonObject body) => DateTimeOffset.Parse((string)body["expires"]!, CultureInfo.InvariantCulture);

    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
            await Task.Delay(20);
        }
    }

    private static string S(double seconds) => seconds.ToString(CultureInfo.InvariantCulture);
}
