using System.Security.Cryptography;
using System.Text;
using MyNoSql.Grains;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// <c>GET /_mirror/local/{db}</c>: this mirror's own copy of a database (record count and a digest over its index
/// segments), so operators and tests can see that mirrors converged. Not part of the client contract.
/// </summary>
internal static class DiagnosticsEndpoints
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/_mirror/local/{db}", async (HttpContext context, string db) =>
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        var local = context.RequestServices.GetRequiredService<ILocalSiloDetails>();
        var service = context.RequestServices.GetRequiredService<IMirrorLocalAccess>().For(local.SiloAddress);
        var digests = await service.GetDigests(db, context.RequestAborted);
        int records = digests.Sum(d => d.Count);
        string combined = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(string.Join(",", digests.Select(d => d.Digest)))))[..32];
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("silo", local.Name);
            w.WriteNumber("records", records);
            w.WriteString("digest", combined);
            w.WriteEndObject();
        });
    });
}
