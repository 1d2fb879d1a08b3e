using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Documents;

public class DocumentIdTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("/Comedy/MontyPython/Actor:JohnCleese")]
    [InlineData("ünïcødé/名前")]
    public void Valid_ids_pass(string id) => DocumentId.Validate(id);

    [Fact]
    public void Invalid_ids_throw_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => DocumentId.Validate(""));
        Assert.Throws<ArgumentException>(() => DocumentId.Validate(null));
        Assert.Throws<ArgumentException>(() => DocumentId.Validate("a\nb"));
        Assert.Throws<ArgumentException>(() => DocumentId.Validate("a\0b"));
        Assert.Throws<ArgumentException>(() => DocumentId.Validate("a\u007fb"));
        Assert.Throws<ArgumentException>(() => DocumentId.Validate("bad\ud800surrogate"));
        DocumentId.Validate(new string('x', 512));
        Assert.Throws<ArgumentException>(() => DocumentId.Validate(new string('x', 513)));
        // 171 × 3-byte chars = 513 bytes though only 171 chars.
        Assert.Throws<ArgumentException>(() => DocumentId.Validate(new string('€', 171)));
    }

    [Fact]
    public void Generated_ids_are_unique_and_sort_in_creation_order()
    {
        var ids = Enumerable.Range(0, 20_000).Select(_ => DocumentId.NewId()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.All(ids, id => Assert.Matches("^[0-9A-HJKMNP-TV-Z]{26}$", id));
    }

    [Fact]
    public void Generated_ids_stay_unique_across_threads()
    {
        var bag = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, _ => { for (int i = 0; i < 5_000; i++) bag.Add(DocumentId.NewId()); });
        Assert.Equal(40_000, bag.Distinct().Count());
    }

    [Theory]
    [InlineData("a")]
    [InlineData("db1")]
    [InlineData("my_db-2")]
    public void Valid_database_names(string name) => Assert.True(DatabaseName.IsValid(name));

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("1abc")]
    [InlineData("_abc")]
    [InlineData("Abc")]
    [InlineData("a.b")]
    [InlineData("a b")]
    public void Invalid_database_names(string name)
    {
        Assert.False(DatabaseName.IsValid(name));
        Assert.Throws<ArgumentException>(() => DatabaseName.Validate(name));
    }

    [Fact]
    public void Database_name_length_limit_is_64()
    {
        Assert.True(DatabaseName.IsValid("a" + new string('b', 63)));
        Assert.False(DatabaseName.IsValid("a" + new string('b', 64)));
    }
}
