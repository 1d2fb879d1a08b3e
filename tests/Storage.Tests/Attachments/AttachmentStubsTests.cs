using System.Text;
using MyNoSql.Storage.Attachments;

namespace MyNoSql.Storage.Tests.Attachments;

/// <summary>The <c>_attachments</c> stub format and the name and digest rules.</summary>
public sealed class AttachmentStubsTests
{
    private const string Digest = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

    [Theory]
    [InlineData("photo.jpg")]
    [InlineData("a")]
    [InlineData("dir/sub/file name.txt")]
    [InlineData("café ☕")]
    public void Valid_names(string name) => Assert.True(AttachmentStubs.IsValidName(name));

    [Theory]
    [InlineData("")]
    [InlineData("_design")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    public void Invalid_names_are_refused_with_argument_exception(string name)
    {
        Assert.False(AttachmentStubs.IsValidName(name));
        Assert.Throws<ArgumentException>(() => AttachmentStubs.ValidateName(name));
    }

    [Fact]
    public void Names_are_limited_to_255_utf8_bytes()
    {
        Assert.True(AttachmentStubs.IsValidName(new string('x', 255)));
        Assert.False(AttachmentStubs.IsValidName(new string('x', 256)));
        Assert.False(AttachmentStubs.IsValidName(new string('é', 128))); // 256 bytes
        Assert.False(AttachmentStubs.IsValidName(null));
        Assert.False(AttachmentStubs.IsValidName("\ud800lone")); // unpaired surrogate (kept out of InlineData, which would replace it)
    }

    [Fact]
    public void Digests_convert_to_the_manifest_file_name_and_bad_ones_are_refused()
    {
        Assert.True(AttachmentStubs.TryDigestToHex(Digest, out string hex));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex);
        Assert.Equal(Digest, AttachmentStubs.FormatDigest(Convert.FromHexString(hex)));
        foreach (string bad in new[] { "", "sha256-", "md5-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "sha256-../../../../../../../../../../../../etc/passwd", "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF==" })
            Assert.False(AttachmentStubs.IsValidDigest(bad), bad);
    }

    [Fact]
    public void Stubs_are_set_replaced_and_removed_keeping_the_rest_of_the_body()
    {
        byte[] body = Encoding.UTF8.GetBytes("{\"b\":1,\"a\":[1,2],\"é\":\"x\"}");
        Assert.Empty(AttachmentStubs.Read(body));
        var stub = new AttachmentStub("image/jpeg", 1234, Digest);
        byte[] with = AttachmentStubs.With(body, "photo.jpg", stub);
        Assert.Equal("{\"b\":1,\"a\":[1,2],\"é\":\"x\",\"_attachments\":{\"photo.jpg\":{\"content_type\":\"image/jpeg\",\"length\":1234,\"digest\":\"" + Digest + "\"}}}",
            Encoding.UTF8.GetString(with));
        Assert.Equal(stub, AttachmentStubs.Read(with)["photo.jpg"]);
        byte[] two = AttachmentStubs.With(with, "a.txt", stub with { ContentType = "text/plain" });
        Assert.Equal(["a.txt", "photo.jpg"], AttachmentStubs.Read(two).Keys.Order(StringComparer.Ordinal));
        Assert.Equal([Digest, Digest], AttachmentStubs.Digests(two));
        Assert.False(AttachmentStubs.SameStubs(with, two));
        Assert.True(AttachmentStubs.SameStubs(two, AttachmentStubs.With(AttachmentStubs.With(body, "photo.jpg", stub), "a.txt", stub with { ContentType = "text/plain" })));
        byte[] back = AttachmentStubs.With(AttachmentStubs.With(two, "a.txt", null), "photo.jpg", null);
        Assert.Equal(body, back);
    }

    [Theory]
    [InlineData("{\"_attachments\":[]}")]
    [InlineData("{\"_attachments\":{\"x\":1}}")]
    [InlineData("{\"_attachments\":{\"x\":{\"content_type\":\"a\",\"length\":-1,\"digest\":\"" + Digest + "\"}}}")]
    [InlineData("{\"_attachments\":{\"x\":{\"content_type\":\"a\",\"length\":1,\"digest\":\"sha1-abc\"}}}")]
    [InlineData("{\"_attachments\":{\"_x\":{\"content_type\":\"a\",\"length\":1,\"digest\":\"" + Digest + "\"}}}")]
    [InlineData("{\"_attachments\":{\"x\":{\"length\":1,\"digest\":\"" + Digest + "\"}}}")]
    public void Malformed_stubs_are_a_document_format_error(string json) =>
        Assert.Throws<DocumentFormatException>(() => AttachmentStubs.Read(Encoding.UTF8.GetBytes(json)));
}
