using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace GigaOffice.Infrastructure;

/// <summary>
/// Escapes control characters (CR, LF, ESC, …) in every property of every log event, so a value
/// from a request (a path, an id, a name) cannot start a forged line in the text log or move the
/// terminal. Central, so a new log message cannot forget it.
/// </summary>
public sealed class LogValueEscaper : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<LogEventProperty>? changed = null;
        foreach (var (name, value) in logEvent.Properties)
            if (Escape(value) is { } escaped) (changed ??= []).Add(new LogEventProperty(name, escaped));
        if (changed is null) return;
        foreach (var property in changed) logEvent.AddOrUpdateProperty(property);
    }

    /// <summary>The value with its strings escaped, or null when nothing needed it.</summary>
    private static LogEventPropertyValue? Escape(LogEventPropertyValue value)
    {
        switch (value)
        {
            case ScalarValue { Value: string text } when NeedsEscaping(text):
                return new ScalarValue(EscapeText(text));
            case SequenceValue sequence:
                var elements = sequence.Elements.Select(e => Escape(e)).ToList();
                return elements.All(e => e is null) ? null
                    : new SequenceValue(sequence.Elements.Select((e, i) => elements[i] ?? e));
            case StructureValue structure:
                var properties = structure.Properties.Select(p => Escape(p.Value)).ToList();
                return properties.All(p => p is null) ? null
                    : new StructureValue(structure.Properties.Select((p, i) => properties[i] is { } v ? new LogEventProperty(p.Name, v) : p), structure.TypeTag);
            case DictionaryValue dictionary:
                var entries = dictionary.Elements.Select(e => Escape(e.Value)).ToList();
                return entries.All(e => e is null) ? null
                    : new DictionaryValue(dictionary.Elements.Select((e, i) => new KeyValuePair<ScalarValue, LogEventPropertyValue>(e.Key, entries[i] ?? e.Value)));
            default:
                return null;
        }
    }

    private static bool IsControl(char c) => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085';

    private static bool NeedsEscaping(string text)
    {
        foreach (var c in text)
            if (IsControl(c)) return true;
        return false;
    }

    public static string EscapeText(string text)
    {
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (!IsControl(c)) escaped.Append(c);
            else escaped.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }
        return escaped.ToString();
    }
}
