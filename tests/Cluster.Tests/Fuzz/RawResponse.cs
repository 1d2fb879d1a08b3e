using System.Text;

namespace MyNoSql.Cluster.Tests.Fuzz;

/// <summary>An answer read off the socket; <see cref="Status"/> 0 when the server closed without answering.</summary>
internal sealed record RawResponse(int Status, Dictionary<string, string> Headers, byte[] Body)
{
    public string ContentType => Headers.GetValueOrDefault("content-type", "");

    public string Text => Encoding.UTF8.GetString(Body);
}
