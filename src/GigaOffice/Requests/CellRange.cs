using System.Text.RegularExpressions;

namespace GigaOffice.Requests;

/// <summary>A rectangular A1-notation range such as <c>A1:D10</c> or a single cell <c>E1</c>.</summary>
public readonly partial record struct CellRange(int FirstColumn, int FirstRow, int LastColumn, int LastRow)
{
    public const int MaxColumn = 16384; // XFD
    public const int MaxRow = 1048576;

    public int Columns => LastColumn - FirstColumn + 1;
    public int Rows => LastRow - FirstRow + 1;

    public static bool TryParse(string? text, out CellRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var match = RangePattern().Match(text.Trim());
        if (!match.Success) return false;
        if (!TryCell(match.Groups[1].Value, match.Groups[2].Value, out var c1, out var r1)) return false;
        int c2 = c1, r2 = r1;
        if (match.Groups[3].Success && !TryCell(match.Groups[3].Value, match.Groups[4].Value, out c2, out r2)) return false;
        range = new CellRange(Math.Min(c1, c2), Math.Min(r1, r2), Math.Max(c1, c2), Math.Max(r1, r2));
        return true;
    }

    /// <summary>A range of the given size whose top-left corner is (column, row), clipped to the sheet.</summary>
    public static CellRange At(int column, int row, int columns, int rows) =>
        new(column, row, Math.Min(MaxColumn, column + Math.Max(1, columns) - 1), Math.Min(MaxRow, row + Math.Max(1, rows) - 1));

    public override string ToString() =>
        FirstColumn == LastColumn && FirstRow == LastRow
            ? $"{ColumnName(FirstColumn)}{FirstRow}"
            : $"{ColumnName(FirstColumn)}{FirstRow}:{ColumnName(LastColumn)}{LastRow}";

    public static string ColumnName(int column)
    {
        var name = "";
        for (var c = column; c > 0; c = (c - 1) / 26)
            name = (char)('A' + (c - 1) % 26) + name;
        return name;
    }

    private static bool TryCell(string letters, string digits, out int column, out int row)
    {
        column = 0;
        foreach (var ch in letters.ToUpperInvariant()) column = column * 26 + (ch - 'A' + 1);
        row = int.TryParse(digits, out var r) ? r : 0;
        return column is >= 1 and <= MaxColumn && row is >= 1 and <= MaxRow;
    }

    [GeneratedRegex(@"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})(?::\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6}))?$")]
    private static partial Regex RangePattern();
}
