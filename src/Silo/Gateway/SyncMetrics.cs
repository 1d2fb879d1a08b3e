using MyNoSql.Storage.Diagnostics;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The mirror's side of the sync metrics (DESIGN §11): every sync request served counts one
/// <c>mynosql.sync.rounds</c> (tags <c>db</c>, <c>route</c>, <c>result</c>: ok below status 400, else failed) and its
/// body bytes in <c>mynosql.sync.bytes</c> (tags <c>db</c>, <c>direction</c>: <c>received</c> as read from the
/// request, <c>sent</c> as the answer's Content-Length, which every sync route sets). Requests refused before the route
/// (authentication, rate limits) are not counted; an invalid database name is counted as <c>db="(invalid)"</c>.
/// </summary>
internal static class SyncMetrics
{
    /// <summary>Counts the requests of a sync route, named <paramref name="route"/> in the <c>route</c> tag.</summary>
    public static RouteHandlerBuilder WithSyncMetrics(this RouteHandlerBuilder builder, string route) =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            var request = context.Request;
            CountingReadStream? body = null;
            if (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method))
                request.Body = body = new CountingReadStream(request.Body);
            string result = "failed";
            try
            {
                var value = await next(invocation);
                if (context.Response.StatusCode < 400) result = "ok";
                return value;
            }
            finally
            {
                // A name the route refuses (400) is not echoed into a label.
                var db = MyNoSqlMetrics.Db(request.RouteValues["db"] is string name && DatabaseName.IsValid(name) ? name : "(invalid)");
                MyNoSqlMetrics.SyncRounds.Add(1, db, new("route", route), new("result", result));
                if (body is { Count: > 0 }) MyNoSqlMetrics.SyncBytes.Add(body.Count, db, new("direction", "received"));
                if (context.Response.ContentLength is > 0 and long sent) MyNoSqlMetrics.SyncBytes.Add(sent, db, new("direction", "sent"));
            }
        });

    /// <summary>A request body that counts the bytes read through it.</summary>
    private sealed class CountingReadStream(Stream inner) : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int read)
        {
            Count += read;
            return read;
        }
    }
}
