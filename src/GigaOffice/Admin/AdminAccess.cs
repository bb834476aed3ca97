using Microsoft.AspNetCore.Http.HttpResults;

namespace GigaOffice.Admin;

public static class AdminAccess
{
    /// <summary>How the admin API answers when a console session is present but the CSRF token is not.</summary>
    public static ProblemHttpResult CsrfRefused() => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
        title: "Нет CSRF-токена", detail: $"Изменения из консоли требуют заголовка {AdminSessions.CsrfHeader} текущей сессии.");

    /// <summary>
    /// A console session stands in for the admin key: reads need only the cookie, changes also the CSRF
    /// token. Returns null when the request may go on, a refusal otherwise; false in <paramref name="present"/>
    /// when there is no session at all (then the admin key decides).
    /// </summary>
    public static IResult? CheckSession(HttpContext http, out bool present)
    {
        var session = http.RequestServices.GetRequiredService<AdminSessions>().Read(http.Request);
        present = session is not null;
        if (session is null) return null;
        var changes = !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
        return changes && !AdminSessions.HasCsrfToken(http.Request, session) ? CsrfRefused() : null;
    }
}
