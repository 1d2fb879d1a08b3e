using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MyNoSql.Grains;
using MyNoSql.Grains.Merging;
using MyNoSql.Silo.Configuration;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Merging;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// Merge policies and manual resolution (DESIGN §8, plan decision 5): <c>GET /db/{db}/_merge_policy</c> → 200
/// <c>{"fields":{…},"stamp":N}</c> (<c>{"fields":{}}</c> when none); <c>PUT</c> the same body (stamp optional: the mirror stamps it;
/// a stamp older than the held policy's changes nothing) → 200 the policy now held, 400 <c>bad_policy</c>; and
/// <c>POST /db/{db}/conflicts/{id}/_resolve</c> (body: the merged record with the winner's rev) → 201 the saved record,
/// 409 stale rev, 404.
/// </summary>
internal static class MergePolicyEndpoints
{
    private const int MaxPolicyBytes = 1 << 20;
    private const string ResolveOperation = "_resolve";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/db/{db}/_merge_policy", GetAsync);
        app.MapPut("/db/{db}/_merge_policy", PutAsync);
        app.MapPost("/db/{db}/conflicts/{**id}", ResolveAsync);
    }

    private static async Task GetAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        var grain = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IMergePolicyGrain>(db);
        var policy = await ClusterCall.RetryAsync(context, () => grain.Get(context.RequestAborted));
        await WritePolicyAsync(context, policy);
    }

    private static async Task PutAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        var body = await RequestBody.ReadJsonAsync(context, MaxPolicyBytes, $"A merge policy is at most {MaxPolicyBytes} bytes.", "The policy must be a JSON object");
        if (body is null) return;
        MergePolicyInfo requested;
        try
        {
            if (!System.Text.Unicode.Utf8.IsValid(body)) throw new ArgumentException("The body is not valid UTF-8.");
            var (policy, stamp) = MergePolicyJson.Parse(JsonNode.Parse(body, documentOptions: DocumentCodec.DocumentOptions));
            if (!StampBounds.IsAcceptable(stamp))
                throw new ArgumentException($"'stamp' must be a hybrid-clock stamp at most {StampBounds.MaxAcceptedDrift.TotalDays} days after this mirror's time (got {stamp}).");
            requested = MergePolicyInfos.FromPolicy(policy, stamp);
        }
        catch (Exception e) when (e is ArgumentException or JsonException or InvalidOperationException or FormatException)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_policy", $"Not a merge policy ({{\"fields\":{{\"title\":\"latest\",…}}}}, strategies winner, latest, max, min, union, counter): {e.Message}");
            return;
        }
        var grain = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IMergePolicyGrain>(db);
        // Retrying is safe: a second put of the same stamped policy changes nothing.
        var held = await ClusterCall.RetryAsync(context, () => grain.Put(requested, context.RequestAborted));
        await WritePolicyAsync(context, held);
    }

    private static async Task ResolveAsync(HttpContext context, string db)
    {
        var (id, operation) = RecordAddress.IdAndOperationOf(context, ResolveOperation);
        if (operation is null)
        {
            context.Response.Headers.Allow = "GET";
            await ApiResponse.ErrorAsync(context, 405, "method_not_allowed",
                $"POST is not allowed on {ApiResponse.Quote(context.Request.Path)}; resolve a conflict with POST /db/{{db}}/conflicts/{{id}}/_resolve.");
            return;
        }
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db) || !await DocumentEndpoints.CheckIdAsync(context, id)) return;
        if (await DocumentEndpoints.ReadRecordBodyAsync(context, "merged record", id) is not { } request) return;
        var record = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IRecordGrain>(RecordKey.For(db, id));
        // Retrying is safe: the resolution names the winner's rev, so a second one is a 409, never a second revision.
        var reply = await ClusterCall.RetryAsync(context, () => record.Resolve(request.Rev, request.Body, context.RequestAborted).AsTask());
        await HistoryEndpoints.AnswerAsync(context, db, id, reply, "resolution", request.Rev);
    }

    private static Task WritePolicyAsync(HttpContext context, MergePolicyInfo policy)
    {
        context.Response.StatusCode = 200;
        return ApiResponse.WriteAsync(context, w =>
        {
            // Always DESIGN §8's shape {"fields":{…}}: empty fields when no policy was ever set (then no stamp either).
            w.WriteStartObject();
            w.WriteStartObject("fields");
            foreach (var (field, strategy) in policy.Fields.OrderBy(f => f.Key, StringComparer.Ordinal)) w.WriteString(field, strategy);
            w.WriteEndObject();
            if (policy.Stamp != 0 || policy.Fields.Count > 0) w.WriteNumber("stamp", policy.Stamp);
            w.WriteEndObject();
        });
    }
}
