using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace GigaOffice.Answers;

/// <summary>
/// Safe corrections of single values in a model's answer. Each one changes a value only when
/// its meaning is unambiguous; anything else is left as the model wrote it.
/// </summary>
public static partial class CellRepairs
{
    /// <summary>
    /// A string that is, as a whole, a number: "1234.5", "-12", "1 234,5" (Russian grouping with
    /// spaces and a decimal comma), "0,75". Not: "007" (a code), "1,234" (thousands or decimals?),
    /// "12%", "1 250 ₽", dates, phone numbers.
    /// </summary>
    public static bool TryParseNumber(string text, out double value)
    {
        value = 0;
        var s = text.Trim();
        if (s.Length is 0 or > 32) return false;
        string normalized;
        if (PlainNumber().IsMatch(s)) normalized = s;
        else if (GroupedNumber().IsMatch(s)) normalized = GroupSeparators().Replace(s, "").Replace(',', '.');
        else if (CommaDecimal().IsMatch(s)) normalized = s.Replace(',', '.');
        else return false;
        return double.TryParse(normalized, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    // No leading zeros (codes such as "007" stay text), optional fraction with a point.
    [GeneratedRegex(@"^-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,10})?$")]
    private static partial Regex PlainNumber();

    // "1 234", "12 345 678,9": groups of three after spaces (incl. no-break and narrow no-break).
    [GeneratedRegex(@"^-?[1-9][0-9]{0,2}(?:[ \u00a0\u202f][0-9]{3})+(?:,[0-9]{1,10})?$")]
    private static partial Regex GroupedNumber();

    [GeneratedRegex(@"[ \u00a0\u202f]")]
    private static partial Regex GroupSeparators();

    // "0,75", "12,5", "1234,56": a decimal comma, but not exactly three digits after it ("1,234" is ambiguous).
    [GeneratedRegex(@"^-?(?:0|[1-9][0-9]{0,14}),(?:[0-9]{1,2}|[0-9]{4,10})$")]
    private static partial Regex CommaDecimal();

    private static readonly (string Russian, string English)[] Functions =
    [
        // Longer names first so that СУММЕСЛИ is not read as СУММ + ЕСЛИ.
        ("СРЗНАЧЕСЛИ", "AVERAGEIF"), ("СУММЕСЛИМН", "SUMIFS"), ("СЧЁТЕСЛИМН", "COUNTIFS"), ("СЧЕТЕСЛИМН", "COUNTIFS"),
        ("СУММЕСЛИ", "SUMIF"), ("СЧЁТЕСЛИ", "COUNTIF"), ("СЧЕТЕСЛИ", "COUNTIF"), ("ЕСЛИОШИБКА", "IFERROR"),
        ("СУММПРОИЗВ", "SUMPRODUCT"), ("СЦЕПИТЬ", "CONCATENATE"), ("СЧЁТЗ", "COUNTA"), ("СЧЕТЗ", "COUNTA"),
        ("СРЗНАЧ", "AVERAGE"), ("ОКРУГЛ", "ROUND"), ("СЕГОДНЯ", "TODAY"), ("МЕДИАНА", "MEDIAN"),
        ("СУММ", "SUM"), ("МАКС", "MAX"), ("МИН", "MIN"), ("СЧЁТ", "COUNT"), ("СЧЕТ", "COUNT"),
        ("ЕСЛИ", "IF"), ("ВПР", "VLOOKUP"), ("ГПР", "HLOOKUP"), ("ИНДЕКС", "INDEX"), ("ПОИСКПОЗ", "MATCH"),
        ("ABS", "ABS"), ("ИЛИ", "OR"), ("И", "AND"), ("НЕ", "NOT"),
    ];

    private static readonly Regex FunctionPattern = new(
        @"(?<![\p{L}\p{N}_.])(" + string.Join("|", Functions.Select(f => Regex.Escape(f.Russian))) + @")(?=\s*\()",
        RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static readonly Dictionary<string, string> FunctionMap =
        Functions.ToDictionary(f => f.Russian, f => f.English, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Puts a formula into the form the plugin writes: English function names and commas between
    /// arguments. A formula with ';' separators comes from the Russian locale, where a comma
    /// between digits is a decimal comma: those become points first. String literals inside the
    /// formula ("...") are never touched.
    /// </summary>
    public static string NormalizeFormula(string formula)
    {
        if (!formula.StartsWith('=')) return formula;
        var parts = SplitLiterals(formula);
        var russianLocale = parts.Any(p => !p.Literal && p.Text.Contains(';'));
        var result = new StringBuilder(formula.Length);
        var depth = 0;
        foreach (var (text, literal) in parts)
        {
            if (literal) { result.Append(text); continue; }
            var code = FunctionPattern.Replace(text, m => FunctionMap[m.Value]);
            code = russianLocale
                ? DecimalComma().Replace(code, "$1.$2").Replace(';', ',')
                : TopLevelDecimalCommas(code, ref depth);
            result.Append(code);
        }
        return result.ToString();
    }

    /// <summary>
    /// Outside all parentheses a comma cannot separate arguments, so "=B2*0,5" has a decimal comma
    /// even without ';' to reveal the Russian locale. Inside parentheses "1,5" stays: it may be two arguments.
    /// </summary>
    private static string TopLevelDecimalCommas(string code, ref int depth)
    {
        var result = new StringBuilder(code.Length);
        var run = new StringBuilder();
        foreach (var ch in code)
        {
            if (ch is '(' or ')')
            {
                result.Append(depth == 0 ? DecimalComma().Replace(run.ToString(), "$1.$2") : run.ToString());
                run.Clear();
                depth = Math.Max(0, depth + (ch == '(' ? 1 : -1));
                result.Append(ch);
                continue;
            }
            run.Append(ch);
        }
        result.Append(depth == 0 ? DecimalComma().Replace(run.ToString(), "$1.$2") : run.ToString());
        return result.ToString();
    }

    [GeneratedRegex(@"(?<![A-Za-z$\d])(\d+),(\d+)")]
    private static partial Regex DecimalComma();

    private static List<(string Text, bool Literal)> SplitLiterals(string formula)
    {
        var parts = new List<(string, bool)>();
        var current = new StringBuilder();
        var inLiteral = false;
        foreach (var ch in formula)
        {
            if (ch == '"')
            {
                if (!inLiteral) { parts.Add((current.ToString(), false)); current.Clear(); current.Append(ch); inLiteral = true; }
                else { current.Append(ch); parts.Add((current.ToString(), true)); current.Clear(); inLiteral = false; }
                continue;
            }
            current.Append(ch);
        }
        parts.Add((current.ToString(), inLiteral));
        return parts;
    }

    private static readonly Dictionary<string, string> NamedColors = new(StringComparer.OrdinalIgnoreCase)
    {
        ["red"] = "#FF0000", ["green"] = "#00B050", ["blue"] = "#0070C0", ["yellow"] = "#FFFF00", ["orange"] = "#FFC000",
        ["white"] = "#FFFFFF", ["black"] = "#000000", ["gray"] = "#808080", ["grey"] = "#808080", ["lightgray"] = "#D9D9D9",
        ["lightgrey"] = "#D9D9D9", ["lightgreen"] = "#C6EFCE", ["lightyellow"] = "#FFF2CC", ["lightblue"] = "#DDEBF7",
        ["красный"] = "#FF0000", ["зелёный"] = "#00B050", ["зеленый"] = "#00B050", ["синий"] = "#0070C0",
        ["жёлтый"] = "#FFFF00", ["желтый"] = "#FFFF00", ["белый"] = "#FFFFFF", ["чёрный"] = "#000000", ["черный"] = "#000000",
        ["серый"] = "#808080",
    };

    /// <summary>"#RRGGBB" from "#rrggbb", "D9D9D9", "#FFF", "rgb(217, 217, 217)" or a basic colour name; null when not a colour.</summary>
    public static string? NormalizeColor(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var s = value.Trim();
        if (NamedColors.TryGetValue(s, out var named)) return named;
        var rgb = RgbPattern().Match(s);
        if (rgb.Success)
        {
            var channels = new[] { rgb.Groups[1], rgb.Groups[2], rgb.Groups[3] }.Select(g => int.Parse(g.Value, CultureInfo.InvariantCulture)).ToArray();
            return channels.All(c => c <= 255) ? "#" + string.Concat(channels.Select(c => c.ToString("X2", CultureInfo.InvariantCulture))) : null;
        }
        var hex = s.TrimStart('#');
        if (hex.Length == 3 && hex.All(Uri.IsHexDigit)) hex = string.Concat(hex.Select(c => $"{c}{c}"));
        if (hex.Length == 8 && hex.All(Uri.IsHexDigit) && hex.StartsWith("FF", StringComparison.OrdinalIgnoreCase)) hex = hex[2..]; // ARGB, opaque
        return hex.Length == 6 && hex.All(Uri.IsHexDigit) ? "#" + hex.ToUpperInvariant() : null;
    }

    [GeneratedRegex(@"^rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$", RegexOptions.IgnoreCase)]
    private static partial Regex RgbPattern();

    /// <summary>"bold" or "normal" from "700", 700, "Bold", "полужирный"; null when not a weight.</summary>
    public static string? NormalizeFontWeight(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "bold" or "bolder" or "полужирный" or "жирный" or "true" => "bold",
        "normal" or "regular" or "обычный" or "false" or "lighter" => "normal",
        { } s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) && w is >= 100 and <= 900 => w >= 600 ? "bold" : "normal",
        _ => null,
    };

    public static string? NormalizeFontStyle(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "italic" or "oblique" or "курсив" or "true" => "italic",
        "normal" or "regular" or "обычный" or "false" => "normal",
        _ => null,
    };

    public static string? NormalizeHorizontal(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "left" or "start" or "слева" or "по левому краю" => "left",
        "center" or "centre" or "middle" or "по центру" => "center",
        "right" or "end" or "справа" or "по правому краю" => "right",
        "justify" or "по ширине" => "justify",
        _ => null,
    };

    public static string? NormalizeVertical(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "top" or "сверху" or "по верхнему краю" => "top",
        "center" or "centre" or "middle" or "по центру" => "center",
        "bottom" or "снизу" or "по нижнему краю" => "bottom",
        _ => null,
    };

    public static string? NormalizeBorder(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "none" or "нет" or "false" => "none",
        "thin" or "true" or "solid" or "all" or "тонкая" or "1px" => "thin",
        "medium" or "средняя" or "2px" => "medium",
        "thick" or "толстая" or "3px" => "thick",
        _ => null,
    };

    /// <summary>Letters that look Latin but are Cyrillic ("А1:В5" typed in the Russian layout).</summary>
    public static string LatinLookalikes(string text)
    {
        const string cyrillic = "АВСЕНКМОРТХавсенкмортх";
        const string latin = "ABCEHKMOPTXabcehkmoptx";
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var k = cyrillic.IndexOf(chars[i]);
            if (k >= 0) chars[i] = latin[k];
        }
        return new string(chars);
    }
}
