using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace GigaOffice.GigaChat;

/// <summary>
/// Questions about a JSON string cell answered from its raw UTF-8, without making a string of it:
/// a large table of text made a string of every cell several times per request (docs/BENCHMARKS.md,
/// change 38).
/// </summary>
internal static class RawJsonText
{
    /// <summary>
    /// True when the cell's text certainly does not read as a number: it has no digit, or it has a
    /// character no number has. ASCII allowed: digits, sign, point, comma, space, and with
    /// <paramref name="exponent"/> "e"/"E". Of other characters only the lead bytes of Unicode
    /// spaces (U+0085 to U+3000: C2, E1, E2, E3), which parsers trim or take as group separators,
    /// are allowed; an escape sequence leaves the answer to the parser.
    /// </summary>
    public static bool CannotBeNumber(JsonElement cell, bool exponent)
    {
        var raw = JsonMarshal.GetRawUtf8Value(cell);
        if (raw.Length >= 2 && raw[0] == '"') raw = raw[1..^1];
        var digits = false;
        foreach (var b in raw)
        {
            switch (b)
            {
                case >= (byte)'0' and <= (byte)'9': digits = true; break;
                case (byte)'-' or (byte)'+' or (byte)'.' or (byte)',' or (byte)' ': break;
                case (byte)'e' or (byte)'E' when exponent: break;
                case (byte)'\\': return false; // escaped: an escaped digit or space is possible
                case >= 0x80 and <= 0xBF: break; // continuation byte
                case 0xC2 or 0xE1 or 0xE2 or 0xE3: break;
                default: return true;
            }
        }
        return !digits;
    }
}

/// <summary>
/// A cell's text as a set key compared by its UTF-8: a string cell without escape sequences is its
/// raw bytes in the document, any other cell (escaped, or not a string) the UTF-8 of its text.
/// Counting distinct values of a 20,000-cell table so made no string per cell (change 40).
/// </summary>
internal readonly struct CellText
{
    private readonly JsonElement _cell;
    private readonly byte[]? _decoded;

    private CellText(JsonElement cell, byte[]? decoded) => (_cell, _decoded) = (cell, decoded);

    /// <summary>The text a cell shows: a string's value, or the JSON of anything else.</summary>
    public static CellText Of(JsonElement cell)
    {
        if (cell.ValueKind != JsonValueKind.String) return new(default, Encoding.UTF8.GetBytes(cell.ToString()));
        var raw = JsonMarshal.GetRawUtf8Value(cell);
        return raw.IndexOf((byte)'\\') < 0 ? new(cell, null) : new(default, Encoding.UTF8.GetBytes(cell.GetString()!));
    }

    public ReadOnlySpan<byte> Utf8 => _decoded ?? JsonMarshal.GetRawUtf8Value(_cell)[1..^1];

    /// <summary>Empty or white space only, as <see cref="string.IsNullOrWhiteSpace"/> would say.</summary>
    public bool IsBlank
    {
        get
        {
            var text = Utf8;
            while (!text.IsEmpty)
            {
                if (Rune.DecodeFromUtf8(text, out var rune, out var length) != System.Buffers.OperationStatus.Done || !Rune.IsWhiteSpace(rune)) return false;
                text = text[length..];
            }
            return true;
        }
    }

    public static IEqualityComparer<CellText> Comparer { get; } = new Utf8Comparer();

    private sealed class Utf8Comparer : IEqualityComparer<CellText>
    {
        public bool Equals(CellText x, CellText y) => x.Utf8.SequenceEqual(y.Utf8);

        public int GetHashCode(CellText text)
        {
            var hash = new HashCode();
            hash.AddBytes(text.Utf8);
            return hash.ToHashCode();
        }
    }
}
