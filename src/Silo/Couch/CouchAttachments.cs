using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using MyNoSql.Silo.Gateway;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// <c>GET</c>/<c>PUT</c>/<c>DELETE /couch/{db}/{id}/{name}</c>: the native attachment routes of DESIGN §9 (streamed, stored
/// content-addressed, replicated), with CouchDB's answer <c>{"ok":true,"id","rev"}</c> for writes. The stub a document
/// then shows keeps our <c>sha256-</c> digest (README "Attachments").
/// </summary>
internal static class CouchAttachments
{
    public static async Task ServeAsync(HttpContext context, string db, string id, string name)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            if (!CouchReplicationEndpoints.IsValidId(id)) throw new CouchRequestException("illegal_docid", $"Document id '{ApiResponse.Quote(id)}' is not valid here.");
            await AttachmentReads.GetAsync(context, db, id, name, context.Request.Query["rev"].FirstOrDefault() is { } rev ? CouchRevs.ToOurs(rev) : null);
            return;
        }
        // The native handler addresses the attachment by the raw target /db/{db}/doc/{id}/att/{name}: give it that form.
        var request = context.Features.Get<IHttpRequestFeature>()!;
        string query = context.Request.QueryString.Value ?? "";
        request.RawTarget = $"/db/{db}/doc/{Uri.EscapeDataString(id)}/att/{Uri.EscapeDataString(name)}{query}";
        var body = context.Response.Body;
        using var captured = new MemoryStream();
        context.Response.Body = captured;
        try
        {
            await AttachmentEndpoints.TryServeAsync(context, db);
        }
        finally
        {
            context.Response.Body = body;
        }
        byte[] answer = captured.ToArray();
        if (context.Response.StatusCode is >= 200 and < 300 && JsonNode.Parse(answer) is JsonObject ok)
        {
            var shaped = new JsonObject { ["ok"] = true, ["id"] = ok["id"]?.DeepClone(), ["rev"] = ok["rev"]?.DeepClone() };
            answer = System.Text.Encoding.UTF8.GetBytes(shaped.ToJsonString());
        }
        context.Response.ContentLength = answer.Length;
        await body.WriteAsync(answer, context.RequestAborted);
    }
}
