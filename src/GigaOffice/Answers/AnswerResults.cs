using System.Text.Json;
using GigaOffice.GigaChat;
using GigaOffice.Requests;

namespace GigaOffice.Answers;

/// <summary>What the parser knows about the request the answer is for.</summary>
public sealed record AnswerContext(string Category, string ResultKind, string? InputRange = null, JsonElement? InputData = null);

/// <summary>Why an answer could not be used (machine code), besides the Russian message.</summary>
public static class ParseFailure
{
    public const string Empty = "empty";
    public const string NoJson = "no_json";
    public const string InvalidJson = "invalid_json";
    public const string Truncated = "truncated";
    public const string WrongType = "wrong_type";
    public const string MissingResult = "missing_result";
    public const string InvalidRange = "invalid_range";
    public const string BadTable = "bad_table";
    public const string InvalidChart = "invalid_chart";
    public const string InvalidStyle = "invalid_style";
    public const string TooLarge = "too_large";
    public const string UnknownFunction = "unknown_function";
}

/// <summary>An answer part that cannot be used: a machine code and a Russian reason for the user.</summary>
public sealed record AnswerError(string Kind, string Reason);

/// <summary>
/// What a reader gives back: a value (possibly null: the part is absent) or an error. Readers
/// return it instead of throwing, so a failed part is an ordinary value the caller decides about
/// (a broken extra chart is dropped, a broken table fails the answer).
/// </summary>
public readonly struct Read<T>
{
    private Read(T? value, AnswerError? error) => (Value, Error) = (value, error);

    public T? Value { get; }
    public AnswerError? Error { get; }
    public bool Failed => Error is not null;

    public static Read<T> Of(T? value) => new(value, null);
    public static implicit operator Read<T>(T? value) => new(value, null);
    public static implicit operator Read<T>(AnswerError error) => new(default, error);
}

public sealed record ParsedAnswer(SpreadsheetAnswer? Answer, string? FailureReason, string? FailureKind = null)
{
    public bool Success => Answer is not null;
    public IReadOnlyList<string> Repairs => Answer?.Repairs ?? [];

    public static ParsedAnswer Failed(AnswerError error) => new(null, error.Reason, error.Kind);
    public static ParsedAnswer Failed(string kind, string reason) => new(null, reason, kind);
}

/// <summary>
/// The state shared by the readers of one answer: the request's context and the list of repairs
/// made so far (Russian notes shown to the user and the admin).
/// </summary>
internal sealed class AnswerReading(AnswerContext context)
{
    public AnswerContext Context { get; } = context;
    public CellRange? Input { get; } = CellRange.TryParse(context.InputRange, out var r) ? r : null;
    public List<string> Repairs { get; } = [];

    public void Repaired(string note)
    {
        if (!Repairs.Contains(note)) Repairs.Add(note);
    }

    public static AnswerError Fail(string kind, string reason) => new(kind, reason);

    /// <summary>"Лист2!$A$1:$c$5", "А1:В5" (Cyrillic letters), " a1 : b5 " → a range; the sheet name goes to <paramref name="worksheet"/>.</summary>
    public Read<CellRange?> Range(string? text, string field, ref string? worksheet)
    {
        if (text is null) return (CellRange?)null;
        var cleaned = text.Trim();
        var bang = cleaned.LastIndexOf('!');
        if (bang > 0)
        {
            worksheet ??= cleaned[..bang].Trim().Trim('\'');
            cleaned = cleaned[(bang + 1)..];
        }
        cleaned = CellRepairs.LatinLookalikes(cleaned).Replace(" ", "").Replace("$", "");
        if (!CellRange.TryParse(cleaned, out var range))
            return Fail(ParseFailure.InvalidRange, $"неверный диапазон {field} «{Shorten(text)}»");
        if (cleaned != text.Trim()) Repaired($"адрес {field} «{text.Trim()}» приведён к виду {range}");
        return range;
    }

    public static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    public static bool Contains(CellRange outer, CellRange inner) =>
        inner.FirstColumn >= outer.FirstColumn && inner.LastColumn <= outer.LastColumn
        && inner.FirstRow >= outer.FirstRow && inner.LastRow <= outer.LastRow;

    public static Read<string?> String(JsonElement? element, string field) => element switch
    {
        null or { ValueKind: JsonValueKind.Null } => (string?)null,
        { ValueKind: JsonValueKind.String } s => string.IsNullOrWhiteSpace(s.GetString()) ? null : s.GetString(),
        _ => Fail(ParseFailure.WrongType, $"поле {field} должно быть строкой"),
    };

    public static string? Scalar(JsonElement? element) => element switch
    {
        { ValueKind: JsonValueKind.String } s => string.IsNullOrWhiteSpace(s.GetString()) ? null : s.GetString()!.Trim(),
        { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
        { ValueKind: JsonValueKind.True } => "true",
        { ValueKind: JsonValueKind.False } => "false",
        _ => null,
    };

    public static JsonElement? Get(JsonElement obj, string name) => LenientJson.Property(obj, name);
}
