using System.Text.Json;
using System.Text.RegularExpressions;
using GigaOffice.GigaChat;

namespace GigaOffice.Answers;

/// <summary>
/// Which formulas may reach a user's sheet. The plugin writes answers into cells, so a formula that
/// reaches out (WEBSERVICE, HYPERLINK, IMPORT*, DDE such as <c>=cmd|' /C calc'!A0</c>, links to other
/// workbooks) could leak the sheet's data if a prompt-injected model wrote it. Only calculation
/// functions from an allowlist pass; anything else, and any text a spreadsheet would read as a
/// formula (<c>+</c>, <c>-</c>, <c>@</c> prefixes), is written as text with a leading apostrophe and
/// said in <c>repairs</c>.
/// </summary>
public static partial class FormulaPolicy
{
    public static readonly IReadOnlySet<string> AllowedFunctions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        // Math
        "SUM", "SUMIF", "SUMIFS", "SUMPRODUCT", "SUMSQ", "PRODUCT", "ROUND", "ROUNDUP", "ROUNDDOWN", "MROUND", "INT", "TRUNC",
        "ABS", "SIGN", "MOD", "QUOTIENT", "POWER", "SQRT", "EXP", "LN", "LOG", "LOG10", "PI", "CEILING", "CEILING.MATH", "FLOOR",
        "FLOOR.MATH", "EVEN", "ODD", "GCD", "LCM", "FACT", "RAND", "RANDBETWEEN", "SUBTOTAL", "AGGREGATE",
        // Statistics
        "AVERAGE", "AVERAGEA", "AVERAGEIF", "AVERAGEIFS", "COUNT", "COUNTA", "COUNTBLANK", "COUNTIF", "COUNTIFS", "MIN", "MINA",
        "MAX", "MAXA", "MINIFS", "MAXIFS", "MEDIAN", "MODE", "MODE.SNGL", "STDEV", "STDEV.S", "STDEV.P", "STDEVP", "VAR", "VAR.S",
        "VAR.P", "VARP", "LARGE", "SMALL", "RANK", "RANK.EQ", "RANK.AVG", "PERCENTILE", "PERCENTILE.INC", "PERCENTILE.EXC",
        "QUARTILE", "QUARTILE.INC", "PERCENTRANK", "CORREL", "COVAR", "FORECAST", "FORECAST.LINEAR", "TREND", "GROWTH", "SLOPE",
        "INTERCEPT", "RSQ", "GEOMEAN", "HARMEAN",
        // Logic and information
        "IF", "IFS", "IFERROR", "IFNA", "AND", "OR", "NOT", "XOR", "TRUE", "FALSE", "SWITCH", "CHOOSE", "ISBLANK", "ISNUMBER",
        "ISTEXT", "ISERROR", "ISNA", "ISEVEN", "ISODD", "ISLOGICAL", "NA",
        // Lookup within the sheet
        "VLOOKUP", "HLOOKUP", "XLOOKUP", "LOOKUP", "INDEX", "MATCH", "XMATCH", "ROW", "ROWS", "COLUMN", "COLUMNS", "TRANSPOSE",
        "UNIQUE", "SORT", "SORTBY", "FILTER", "SEQUENCE",
        // Text
        "TEXT", "CONCATENATE", "CONCAT", "TEXTJOIN", "LEFT", "RIGHT", "MID", "LEN", "UPPER", "LOWER", "PROPER", "TRIM", "CLEAN",
        "SUBSTITUTE", "REPLACE", "FIND", "SEARCH", "VALUE", "REPT", "EXACT", "FIXED", "DOLLAR", "CHAR", "CODE", "NUMBERVALUE",
        // Dates
        "DATE", "DATEVALUE", "TIME", "TODAY", "NOW", "YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "WEEKDAY", "WEEKNUM",
        "ISOWEEKNUM", "EOMONTH", "EDATE", "DATEDIF", "DAYS", "DAYS360", "NETWORKDAYS", "WORKDAY", "YEARFRAC",
        // Finance
        "PMT", "IPMT", "PPMT", "FV", "PV", "NPV", "XNPV", "IRR", "XIRR", "RATE", "NPER",
    };

    /// <summary>The answer with every cell and the chart title checked; what was neutralised is added to <c>repairs</c>.</summary>
    public static SpreadsheetAnswer Apply(SpreadsheetAnswer answer)
    {
        var neutralised = new List<string>();
        List<List<JsonElement>>? table = null;
        if (answer.Table is { } rows)
        {
            table = new List<List<JsonElement>>(rows.Count);
            foreach (var row in rows)
                table.Add(row.Select(cell => cell.ValueKind == JsonValueKind.String && Check(cell.GetString()!) is { } safe
                    ? JsonSerializer.SerializeToElement(Neutralised(safe, neutralised)) : cell).ToList());
        }
        var chart = answer.Chart;
        if (chart?.Title is { } title && Check(title) is { } safeTitle)
            chart = chart with { Title = Neutralised(safeTitle, neutralised) };
        if (neutralised.Count == 0) return answer;

        var shown = string.Join(", ", neutralised.Take(3).Select(f => f.Length > 60 ? f[..60] + "…" : f));
        var repair = $"формулы вне списка разрешённых записаны как текст ({neutralised.Count}): {shown}";
        return answer with { Table = table, Chart = chart, Repairs = [.. answer.Repairs ?? [], repair] };
    }

    private static string Neutralised(string safe, List<string> neutralised)
    {
        neutralised.Add(safe[1..]);
        return safe;
    }

    /// <summary>Null when the text may be written as it is; otherwise the text made safe (a leading apostrophe).</summary>
    public static string? Check(string text)
    {
        if (text.Length == 0) return null;
        return text[0] switch
        {
            '=' => IsAllowedFormula(text) ? null : "'" + text,
            // A sheet reads "+A1", "-A1*2" and "@SUM(…)" as formulas too; a plain signed number stays a number.
            '+' or '-' => CellRepairs.TryParseNumber(text[1..], out _) || text.Length == 1 || (text[1] == ' ' && !LooksLikeFormula(text)) ? null : "'" + text,
            '@' => "'" + text,
            _ => null,
        };
    }

    private static bool LooksLikeFormula(string text) => text.IndexOfAny(['(', '!', '|', '[']) >= 0;

    /// <summary>Every function is on the allowlist; no DDE (<c>|</c>), no links to other workbooks or addresses.</summary>
    public static bool IsAllowedFormula(string formula)
    {
        // String literals may say anything ("http://…" in a label is harmless); the rest is code.
        var code = StringLiteral().Replace(formula[1..], "\"\"");
        if (code.IndexOfAny(['|', '[', '\\']) >= 0 || code.Contains("://", StringComparison.Ordinal)) return false;
        // Quoted sheet names ('Итоги (2024)'!A1) are names, not calls.
        code = SheetName().Replace(code, "''");
        foreach (Match call in FunctionCall().Matches(code))
        {
            var name = call.Groups[1].Value;
            if (name.StartsWith("_xlfn.", StringComparison.OrdinalIgnoreCase)) name = name[6..];
            if (!AllowedFunctions.Contains(name)) return false;
        }
        return true;
    }

    [GeneratedRegex("\"(?:[^\"]|\"\")*\"?")]
    private static partial Regex StringLiteral();

    [GeneratedRegex("'(?:[^']|'')*'")]
    private static partial Regex SheetName();

    // A name directly before "(": letters (any script, so untranslated names are caught too), digits, '.', '_'.
    [GeneratedRegex(@"([\p{L}_][\p{L}\p{N}_.]*)\s*\(")]
    private static partial Regex FunctionCall();
}
