using System.Text;

namespace GigaOffice.OpenAi;

/// <summary>
/// OpenAI's <c>stop</c>, which GigaChat lacks, applied to the answer here: the text ends before the
/// first stop sequence, which is not returned.
/// </summary>
public static class StopSequences
{
    public static (string Text, bool Stopped) Cut(string text, IReadOnlyList<string> stops)
    {
        var at = -1;
        foreach (var stop in stops)
        {
            var i = text.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && (at < 0 || i < at)) at = i;
        }
        return at < 0 ? (text, false) : (text[..at], true);
    }
}

/// <summary>
/// Stop sequences over a stream: holds back as many characters as a stop sequence could still
/// begin with, so no piece of one reaches the client before it is recognised.
/// </summary>
public sealed class StreamStopper(IReadOnlyList<string> stops)
{
    private readonly StringBuilder _pending = new();
    private readonly int _holdBack = stops.Count == 0 ? 0 : stops.Max(s => s.Length) - 1;

    public bool Stopped { get; private set; }

    /// <summary>The text that may be sent now; empty once stopped.</summary>
    public string Push(string piece)
    {
        if (Stopped) return "";
        if (stops.Count == 0) return piece;
        _pending.Append(piece);
        var text = _pending.ToString();
        var (cut, stopped) = StopSequences.Cut(text, stops);
        if (stopped)
        {
            Stopped = true;
            _pending.Clear();
            return cut;
        }
        var emit = text.Length - Math.Min(text.Length, _holdBack);
        // Never split a surrogate pair between two pieces.
        if (emit > 0 && char.IsHighSurrogate(text[emit - 1])) emit--;
        _pending.Remove(0, emit);
        return text[..emit];
    }

    /// <summary>What was held back, at the end of the stream.</summary>
    public string Flush()
    {
        var rest = Stopped ? "" : _pending.ToString();
        _pending.Clear();
        return rest;
    }
}
