using System.Text.Json;
using System.Text.RegularExpressions;
using GigaOffice.GigaChat;

namespace GigaOffice.Answers;

/// <summary>
/// Turns what the model wrote into a <see cref="SpreadsheetAnswer"/> a plugin can apply, from
/// whatever usable shape it came in: the documented object (also wrapped, with the table under
/// another name, in near-JSON), a bare 2-D array or an array of row objects (fenced or between
/// prose), a markdown table, CSV/TSV in a fence, or prose alone where the category answers in
/// text. Several candidates are tried in turn and the first that gives what the category promises
/// wins. What cannot be used is a failure with a code and a reason, never an empty success: the
/// request then fails with <c>unparseable_answer</c> and the raw text is kept.
/// </summary>
public sealed partial class AnswerParser
{
    public const int MaxRows = TableReader.MaxRows;
    public const int MaxColumns = TableReader.MaxColumns;

    public ParsedAnswer Parse(string content, string resultKind) => Parse(content, new AnswerContext("", resultKind));

    public ParsedAnswer Parse(string? content, AnswerContext context)
    {
        if (string.IsNullOrWhiteSpace(content)) return ParsedAnswer.Failed(ParseFailure.Empty, "модель вернула пустой ответ");
        var attempts = new Attempts();

        var invalidJson = false;
        var objects = LenientJson.Candidates(content, out var truncatedTail);
        foreach (var candidate in objects)
        {
            var parsed = LenientJson.TryParseObject(candidate);
            if (parsed is null) { invalidJson = true; continue; }
            if (attempts.Try(new AnswerBuilder(context).Build(parsed.Value, parsed.Repaired ? [RepairedSyntax] : []))) return attempts.Success!;
        }
        var truncated = false;
        if (truncatedTail is not null && attempts.FirstFailure is null)
        {
            if (LenientJson.TryClose(truncatedTail) is { } closed)
            {
                if (attempts.Try(new AnswerBuilder(context).Build(closed.Value, ["ответ модели оборван после последнего поля: недостающая закрывающая скобка добавлена"])))
                    return attempts.Success!;
            }
            else
            {
                truncated = true;
            }
        }

        var arrays = LenientJson.ArrayCandidates(content, out var unclosedArray);
        foreach (var (text, start, end) in arrays)
        {
            if (LenientJson.TryParseArray(text) is not { } array || !TableReader.IsTableShaped(array)) continue;
            var note = text.TrimStart().StartsWith("[[") || text.Contains("[{") ? "таблица пришла массивом без объекта-обёртки" : "таблица пришла массивом";
            if (attempts.Try(FromTable(array, Prose(content, start, end), context, note))) return attempts.Success!;
        }
        foreach (var table in TextTables.Find(content))
        {
            var note = table.Shape == "markdown" ? "таблица прочитана из markdown-разметки" : "таблица прочитана из CSV/TSV";
            if (attempts.Try(FromTable(table.Rows, Prose(content, table.Start, table.End), context, note))) return attempts.Success!;
        }

        if (attempts.FirstFailure is { } failure) return failure;
        if (truncated || unclosedArray) return ParsedAnswer.Failed(ParseFailure.Truncated, "ответ модели оборван на середине JSON");

        var plain = StripFences(content);
        // Categories that answer in text may answer with text alone.
        if (context.ResultKind == "text" && !invalidJson && plain.Length > 0 && !plain.StartsWith('{') && !plain.StartsWith('['))
            return new ParsedAnswer(new SpreadsheetAnswer { Text = plain }, null);
        return invalidJson
            ? ParsedAnswer.Failed(ParseFailure.InvalidJson, "ответ не является корректным JSON, и исправить его не удалось")
            : ParsedAnswer.Failed(ParseFailure.NoJson, "в ответе модели нет ни JSON-объекта с результатом, ни таблицы");
    }

    /// <summary>The model's answer: the arguments of the function it called, or else its text.</summary>
    public ParsedAnswer Parse(GigaChatCompletion completion, AnswerContext context) =>
        completion.FunctionCall is { } called ? ParseArguments(called.Name, called.Arguments, context) : Parse(completion.Content, context);

    /// <summary>
    /// The arguments of a function the model called (GigaChat function calling): already a JSON
    /// object in the documented shape, read by the same readers as a text answer.
    /// </summary>
    public ParsedAnswer ParseArguments(string functionName, JsonElement arguments, AnswerContext context)
    {
        if (AnswerFunctions.CategoryOf(functionName) is null)
            return ParsedAnswer.Failed(ParseFailure.UnknownFunction, $"модель вызвала неизвестную функцию «{AnswerReading.Shorten(functionName)}»");
        return arguments.ValueKind switch
        {
            JsonValueKind.Object => new AnswerBuilder(context).Build(arguments, []),
            // Some models send the arguments as a JSON string: the text parser reads it.
            JsonValueKind.String => Parse(arguments.GetString(), context),
            _ => ParsedAnswer.Failed(ParseFailure.WrongType, "аргументы вызова функции должны быть JSON-объектом"),
        };
    }

    private const string RepairedSyntax = "исправлен синтаксис JSON (лишние запятые, кавычки или ключи без кавычек)";

    /// <summary>An answer from a table found outside an object; the prose around it, if any, is its text.</summary>
    private static ParsedAnswer FromTable(JsonElement rows, string prose, AnswerContext context, string note)
    {
        var root = JsonSerializer.SerializeToElement(new Dictionary<string, object?> { ["text"] = prose, ["table"] = rows });
        return new AnswerBuilder(context).Build(root, [note]);
    }

    /// <summary>The text outside [start, end): fences and lead-ins such as "Вот таблица:" kept as the model wrote them, trimmed.</summary>
    private static string Prose(string content, int start, int end)
    {
        var text = content[..start] + "\n" + content[end..];
        text = FenceMarker().Replace(text, "");
        text = BlankLines().Replace(text, "\n\n").Trim();
        return text.Length > 4000 ? text[..4000] + "…" : text;
    }

    private static string StripFences(string content)
    {
        var text = content.Trim();
        if (text.StartsWith("```", StringComparison.Ordinal))
        {
            var firstLine = text.IndexOf('\n');
            text = firstLine < 0 ? "" : text[(firstLine + 1)..];
            if (text.TrimEnd().EndsWith("```", StringComparison.Ordinal)) text = text.TrimEnd()[..^3];
        }
        return text.Trim();
    }

    /// <summary>The first success, or else the first failure: the one the model most likely meant.</summary>
    private sealed class Attempts
    {
        public ParsedAnswer? Success { get; private set; }
        public ParsedAnswer? FirstFailure { get; private set; }

        public bool Try(ParsedAnswer parsed)
        {
            if (parsed.Success) Success = parsed;
            else FirstFailure ??= parsed;
            return parsed.Success;
        }
    }

    [GeneratedRegex(@"```[A-Za-z0-9]*")]
    private static partial Regex FenceMarker();

    [GeneratedRegex(@"\n\s*\n\s*(\n\s*)*")]
    private static partial Regex BlankLines();
}
