using System.Globalization;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Query;

namespace MyNoSql.Silo.Gateway;

/// <summary>The parameters of a <c>_changes</c> request (CouchDB's names), validated; see <see cref="ChangesEndpoints"/>.</summary>
internal sealed record ChangesRequest(string? Since, int Limit, bool IncludeDocs, string Feed, TimeSpan Timeout, TimeSpan? Heartbeat, Selector? Selector)
{
    public const string Normal = "normal";
    public const string LongPoll = "longpoll";
    public const string EventSource = "eventsource";

    /// <summary>CouchDB's default wait of longpoll and eventsource feeds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The heartbeat of <c>heartbeat=true</c> (CouchDB's default) and of eventsource feeds that name none.</summary>
    public static readonly TimeSpan DefaultHeartbeat = TimeSpan.FromSeconds(60);

    /// <summary>The longest wait a feed may ask for (and a /couch longpoll with a heartbeat waits).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);
    private static readonly TimeSpan MinHeartbeat = TimeSpan.FromMilliseconds(50);

    /// <summary>Parses the query string; null with the parameter at fault and why.</summary>
    public static ChangesRequest? Parse(IQueryCollection query, Selector? selector, out string? problem)
    {
        problem = null;
        string? since = query["since"].FirstOrDefault();
        int limit = int.MaxValue;
        if (query["limit"].FirstOrDefault() is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
            return Fail(out problem, $"limit must be a positive integer (got '{ApiResponse.Quote(limitText)}').");
        bool includeDocs = false;
        if (query["include_docs"].FirstOrDefault() is { } docsText && !bool.TryParse(docsText, out includeDocs))
            return Fail(out problem, $"include_docs must be true or false (got '{ApiResponse.Quote(docsText)}').");
        string feed = query["feed"].FirstOrDefault() ?? Normal;
        if (feed is not (Normal or LongPoll or EventSource))
            return Fail(out problem, $"feed must be normal, longpoll or eventsource (got '{ApiResponse.Quote(feed)}').");
        var timeout = DefaultTimeout;
        if (query["timeout"].FirstOrDefault() is { } timeoutText)
        {
            if (!long.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out long ms) || ms > MaxTimeout.TotalMilliseconds)
                return Fail(out problem, $"timeout must be milliseconds from 0 to {MaxTimeout.TotalMilliseconds} (got '{ApiResponse.Quote(timeoutText)}').");
            timeout = TimeSpan.FromMilliseconds(ms);
        }
        TimeSpan? heartbeat = feed == EventSource ? DefaultHeartbeat : null;
        if (query["heartbeat"].FirstOrDefault() is { } beatText)
        {
            if (beatText == "true") heartbeat = DefaultHeartbeat;
            else if (beatText == "false") heartbeat = null;
            else if (long.TryParse(beatText, NumberStyles.None, CultureInfo.InvariantCulture, out long ms) && ms > 0 && ms <= MaxTimeout.TotalMilliseconds)
                heartbeat = TimeSpan.FromMilliseconds(Math.Max(ms, MinHeartbeat.TotalMilliseconds));
            else
                return Fail(out problem, $"heartbeat must be true, false or positive milliseconds (got '{ApiResponse.Quote(beatText)}').");
        }
        if (query["descending"].FirstOrDefault() is { } descending && descending != "false")
            return Fail(out problem, "descending is not supported (only descending=false).");
        if (query["filter"].FirstOrDefault() is { } filter && (filter != "_selector" || selector is null))
            return Fail(out problem, filter == "_selector"
                ? "filter=_selector needs a POST with a {\"selector\": {...}} body."
                : $"filter must be _selector (with a POST body {{\"selector\": {{...}}}}); got '{ApiResponse.Quote(filter)}'.");
        return new ChangesRequest(since, limit, includeDocs, feed, timeout, heartbeat, selector);
    }

    /// <summary>The selector of a POST body <c>{"selector": {...}}</c> (none: no selector). Throws
    /// <see cref="ArgumentException"/> for a bad selector (400 bad_query), <see cref="FormatException"/> for a body that
    /// is not such an object (400 bad_request).</summary>
    public static Selector? ParseBody(byte[] body)
    {
        if (body.Length == 0) return null;
        JsonNode? node;
        try
        {
            if (!System.Text.Unicode.Utf8.IsValid(body)) throw new FormatException("the body is not valid UTF-8");
            node = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FormatException($"The body is not JSON: {e.Message}", e);
        }
        if (node is not JsonObject root) throw new FormatException("The body must be a JSON object {\"selector\": {...}}.");
        if (!root.TryGetPropertyValue("selector", out var selector)) return null;
        if (selector is not JsonObject selectorObject) throw new ArgumentException("selector must be a JSON object.", "selector");
        return Selector.Parse(selectorObject);
    }

    private static ChangesRequest? Fail(out string? problem, string reason)
    {
        problem = reason;
        return null;
    }
}
