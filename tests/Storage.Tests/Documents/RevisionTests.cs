using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Documents;

public class RevisionTests
{
    [Fact]
    public void Format_is_generation_dash_32_lowercase_hex()
    {
        var rev = Revision.Next(default, false, "{\"a\":1}"u8);
        string text = rev.ToString();
        Assert.Matches("^1-[0-9a-f]{32}$", text);
        Assert.Equal(rev, Revision.Parse(text));
    }

    [Fact]
    public void Same_parent_and_content_give_the_same_revision_and_different_content_a_different_one()
    {
        var parent = Revision.Next(default, false, "{\"a\":1}"u8);
        var a = Revision.Next(parent, false, "{\"a\":2}"u8);
        var b = Revision.Next(parent, false, "{\"a\":2}"u8);
        var c = Revision.Next(parent, false, "{\"a\":3}"u8);
        var tomb = Revision.Next(parent, true, ""u8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, tomb);
        Assert.Equal(2, a.Generation);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("0-0123456789abcdef0123456789abcdef")]
    [InlineData("-1-0123456789abcdef0123456789abcdef")]
    [InlineData("1-0123456789ABCDEF0123456789abcdef")]
    [InlineData("1-0123456789abcdef0123456789abcde")]
    [InlineData("1-0123456789abcdef0123456789abcdefa")]
    [InlineData("x-0123456789abcdef0123456789abcdef")]
    [InlineData("1-0123456789abcdeg0123456789abcdef")]
    public void Malformed_revisions_are_rejected(string? text)
    {
        Assert.False(Revision.TryParse(text, out _));
    }

    [Fact]
    public void Order_is_generation_then_hash_and_binary_form_round_trips()
    {
        var low = new Revision(2, 0xffff_ffff_ffff_ffff, 0);
        var high = new Revision(3, 0, 0);
        Assert.True(high > low);
        Assert.True(new Revision(3, 1, 0) > new Revision(3, 0, ulong.MaxValue));
        Span<byte> buf = stackalloc byte[Revision.EncodedSize];
        low.WriteTo(buf);
        Assert.Equal(low, Revision.ReadFrom(buf));
    }
}
