using Microsoft.Extensions.Options;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Hosting;

/// <summary>The checks <see cref="MyNoSqlDb.OpenAsync"/> makes, run when the host starts so a bad setting names itself.</summary>
internal sealed class MyNoSqlOptionsValidation : IValidateOptions<MyNoSqlServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, MyNoSqlServiceOptions options)
    {
        var failures = new List<string>();
        try
        {
            DatabaseName.Validate(options.Name, "MyNoSql:Name");
        }
        catch (ArgumentException e)
        {
            failures.Add(e.Message);
        }
        try
        {
            MyNoSqlDb.ValidateOptions(options);
        }
        catch (ArgumentException e)
        {
            failures.Add(e.Message);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
