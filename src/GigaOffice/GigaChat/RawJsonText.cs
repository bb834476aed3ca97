using System.Runtime.InteropServices;
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
