using GigaOffice.Answers;
using GigaOffice.GigaChat;

namespace GigaOffice.Tests.Answers;

public sealed class FormulaNormalizationTests
{
    [Theory]
    [InlineData("=СУММ(B2:B4)", "=SUM(B2:B4)")]
    [InlineData("=ЕСЛИ(B2>0,5;\"да\";\"нет\")", "=IF(B2>0.5,\"да\",\"нет\")")]
    [InlineData("=СРЗНАЧ(B2:B4)*1,2", "=AVERAGE(B2:B4)*1.2")]
    [InlineData("=B2*0,5", "=B2*0.5")]
    [InlineData("=ОКРУГЛ(B2*1,5)", "=ROUND(B2*1,5)")]
    [InlineData("=СУММ(B12;C3)", "=SUM(B12,C3)")]
    [InlineData("=СЦЕПИТЬ(A12;1,5)", "=CONCATENATE(A12,1.5)")]
    [InlineData("=B12*0,5", "=B12*0.5")]
    [InlineData("=СЦЕПИТЬ(\"1,5\";A1)", "=CONCATENATE(\"1,5\",A1)")]
    [InlineData("=ROUND(B2, 2)", "=ROUND(B2, 2)")]
    public void Russian_formulas_become_the_form_the_plugin_writes(string formula, string expected) =>
        Assert.Equal(expected, CellRepairs.NormalizeFormula(formula));
}
