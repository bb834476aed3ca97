using System.Text.RegularExpressions;

namespace GigaOffice.Answers;

/// <summary>
/// Numbers as a Russian-speaking model writes them in a table: "424 242,00" (spaces or no-break
/// spaces between groups), "12,5%", "−5" (the minus sign U+2212), "1 250 ₽". Each becomes a number
/// and, where the text carried a format (groups, fixed decimals, percent, roubles), the number
/// format a spreadsheet shows it with, so the sheet looks as the model wrote it.
/// </summary>
public static partial class RussianNumbers
{
    /// <summary>A number and its format code (Excel/ONLYOFFICE notation), or false when the text is not a number.</summary>
    public static bool TryParse(string text, out double value, out string? format)
    {
        format = null;
        value = 0;
        var s = text.Trim().Replace('\u2212', '-').Replace('\u2013', '-');
        if (s.Length is 0 or > 40) return false;

        var percent = s.EndsWith('%');
        var currency = CurrencySuffix().Match(s);
        if (percent) s = s[..^1].TrimEnd();
        else if (currency.Success) s = s[..currency.Index].TrimEnd();
        if (!CellRepairs.TryParseNumber(s, out value)) return false;

        var grouped = s.IndexOfAny([' ', '\u00a0', '\u202f']) > 0;
        var separator = s.LastIndexOfAny([',', '.']);
        var decimals = separator > 0 ? s.Length - separator - 1 : 0;
        var fixedDecimals = decimals > 0 && s.EndsWith('0');
        var fraction = decimals > 0 ? "." + new string('0', Math.Min(decimals, 6)) : "";
        if (percent)
        {
            value /= 100;
            format = "0" + fraction + "%";
        }
        else if (currency.Success)
        {
            format = "#,##0" + fraction + " \"₽\"";
        }
        else if (grouped)
        {
            format = "#,##0" + fraction;
        }
        else if (fixedDecimals)
        {
            format = "0" + fraction;
        }
        return true;
    }

    [GeneratedRegex(@"\s*(₽|руб\.?|р\.)$", RegexOptions.IgnoreCase)]
    private static partial Regex CurrencySuffix();
}
