using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;

namespace GigaOffice.Infrastructure;

/// <summary>
/// Refuses text with control characters (NUL, ESC, …; tab and line breaks are fine) in any bound
/// argument: body fields at any depth, table cells, route and query values. 400 names the field.
/// Such text is never useful in a sheet, and PostgreSQL refuses NUL in text columns.
/// Put on route groups (client and admin), so every endpoint in them is covered.
/// </summary>
public static class ControlCharacterFilter
{
    private const int MaxDepth = 16;
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    public static TBuilder RefuseControlCharacters<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var parameters = factory.MethodInfo.GetParameters();
            var checkedArguments = parameters.Select((p, i) => (Index: i, p.Name, Body: IsRecord(p.ParameterType)))
                .Where(p => p.Body || IsText(parameters[p.Index].ParameterType)).ToArray();
            if (checkedArguments.Length == 0) return next;
            return async context =>
            {
                foreach (var (index, name, body) in checkedArguments)
                {
                    if (index >= context.Arguments.Count) continue;
                    if (FindIn(context.Arguments[index], body ? "" : name ?? "value", 0) is { } field)
                        return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                        {
                            [field] = ["Текст содержит управляющие символы (допустимы только табуляция и перевод строки)."],
                        }, title: "Запрос не прошёл проверку");
                }
                return await next(context);
            };
        });

    /// <summary>True for characters no text field may hold: C0 controls but tab, LF, CR; DEL; C1 controls.</summary>
    public static bool IsForbidden(char c) => c is (< ' ' and not '\t' and not '\n' and not '\r') or (>= '\u007f' and <= '\u009f');

    public static bool HasForbidden(string text)
    {
        foreach (var c in text)
            if (IsForbidden(c)) return true;
        return false;
    }

    /// <summary>The path of the first text holding a forbidden character, or null.</summary>
    private static string? FindIn(object? value, string path, int depth)
    {
        if (value is null || depth > MaxDepth) return null;
        switch (value)
        {
            case string text: return HasForbidden(text) ? OrBody(path) : null;
            case JsonElement element: return MightHoldControl(element) ? FindIn(element, path) : null;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    var keyPath = Join(path, entry.Key.ToString() ?? "");
                    if (entry.Key is string key && HasForbidden(key)) return keyPath;
                    if (FindIn(entry.Value, keyPath, depth + 1) is { } found) return found;
                }
                return null;
            case IEnumerable items:
                var i = 0;
                foreach (var item in items)
                    if (FindIn(item, $"{path}[{i++}]", depth + 1) is { } found) return found;
                return null;
        }
        if (!IsRecord(value.GetType())) return null;
        foreach (var property in Properties.GetOrAdd(value.GetType(), TextProperties))
            if (FindIn(property.GetValue(value), Join(path, JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name)), depth + 1) is { } found)
                return found;
        return null;
    }

    private static string? FindIn(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return HasForbidden(TextOf(element)) ? OrBody(path) : null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                    if (FindIn(item, $"{path}[{i++}]") is { } found) return found;
                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (HasForbidden(property.Name)) return OrBody(path);
                    if (FindIn(property.Value, Join(path, property.Name)) is { } found) return found;
                }
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// A fast look at the element's JSON text (a table may be megabytes): in valid JSON a control
    /// character is escaped (\u00XX, \b, \f; \t \n \r are allowed anyway), DEL is byte 7F and a C1
    /// control starts with byte C2. Anything else cannot hold one; a hit is confirmed by the walk.
    /// </summary>
    private static bool MightHoldControl(JsonElement element)
    {
        if (element.ValueKind is not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Object)) return false;
        var json = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element);
        return json.IndexOf("\\u00"u8) >= 0 || json.IndexOf("\\b"u8) >= 0 || json.IndexOf("\\f"u8) >= 0
            || json.IndexOfAny((byte)0x7F, (byte)0xC2) >= 0;
    }

    /// <summary>The string, or "" when it cannot be decoded (a lone surrogate): the endpoint's validator names that.</summary>
    private static string TextOf(JsonElement element)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return "";
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
    private static string OrBody(string path) => path.Length == 0 ? "body" : path;

    private static bool IsText(Type type) => type == typeof(string) || type == typeof(JsonElement) || type == typeof(JsonElement?);

    /// <summary>Request contracts are records of this assembly; services and framework types are not walked.</summary>
    private static bool IsRecord(Type type) =>
        type.Assembly == typeof(ControlCharacterFilter).Assembly && type.GetMethod("<Clone>$") is not null;

    private static PropertyInfo[] TextProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract").ToArray();
}
