using System.Text.Json;
using GigaOffice.Answers;

namespace GigaOffice.Tests.Answers;

public sealed class AnswerFunctionsTests
{
    private static readonly string[] Catalog = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root(), "resources", "prompts", "prompt_categories.json")))
        .RootElement.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();

    [Fact]
    public void Every_category_of_the_catalog_has_a_function_of_its_own_and_its_name_tells_the_category()
    {
        Assert.All(Catalog, category =>
        {
            var function = AnswerFunctions.ForCategory(category);
            Assert.NotNull(function);
            Assert.Equal(category, AnswerFunctions.CategoryOf(function!.Name));
            Assert.Matches("^[a-z_]+$", function.Name);
            Assert.Equal("object", function.Parameters["type"]!.GetValue<string>());
        });
        Assert.Equal(Catalog.Length, AnswerFunctions.All.Select(f => f.Name).Distinct().Count());
        Assert.Null(AnswerFunctions.CategoryOf("write_poem"));
    }

    [Fact]
    public void Structure_is_forced_for_tables_styles_and_charts_but_not_for_text()
    {
        Assert.True(AnswerFunctions.IsForced("spreadsheet-analysis"));
        Assert.True(AnswerFunctions.IsForced("spreadsheet-formatting"));
        Assert.True(AnswerFunctions.IsForced("data-histogram"));
        Assert.False(AnswerFunctions.IsForced("spreadsheet-assistance"));
        Assert.False(AnswerFunctions.IsForced("uncertain"));
        Assert.Equal(["data_chart", "spreadsheet_search"], AnswerFunctions.For(["data-chart", "spreadsheet-search", "data-chart", "no-such"]).Select(f => f.Name));
    }

    [Fact]
    public void Arguments_of_an_unknown_function_fail_with_a_code()
    {
        var parsed = new AnswerParser().ParseArguments("write_poem", JsonDocument.Parse("""{"text": "x"}""").RootElement,
            new AnswerContext("spreadsheet-assistance", "text"));
        Assert.False(parsed.Success);
        Assert.Equal(ParseFailure.UnknownFunction, parsed.FailureKind);
    }
}
