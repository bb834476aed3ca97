using System.Globalization;
using GigaOffice.Configuration;
using GigaOffice.Data;
using Microsoft.Extensions.Options;

namespace GigaOffice.Clients;

/// <summary>
/// <c>GigaOffice keys create --name NAME [--rpm N] [--daily-tokens N]</c>, <c>keys list</c>,
/// <c>keys revoke ID|PREFIX</c>: key management for an admin at the server's console.
/// </summary>
public static class ClientKeyCommands
{
    private const string Usage = """
        Использование:
          keys create --name ИМЯ [--rpm N] [--daily-tokens N]   создать ключ (показывается один раз)
          keys list                                             список ключей
          keys revoke ID|ПРЕФИКС                                отозвать ключ
        """;

    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output)
    {
        if (services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStart)
            await DatabaseSetup.MigrateAndSeedAsync(services, CancellationToken.None);
        await using var scope = services.CreateAsyncScope();
        var keys = scope.ServiceProvider.GetRequiredService<ClientKeyStore>();
        switch (args.FirstOrDefault())
        {
            case "create":
                return await CreateAsync(keys, args[1..], output);
            case "list":
                await ListAsync(keys, output);
                return 0;
            case "revoke" when args.Length == 2:
                if (await keys.RevokeAsync(args[1], CancellationToken.None) is not { } revoked)
                {
                    output.WriteLine($"Ключ «{args[1]}» не найден (или префикс подходит к нескольким ключам: укажите id).");
                    return 1;
                }
                output.WriteLine($"Ключ {revoked.Prefix}… ({revoked.Name}, {revoked.Id}) отозван {revoked.RevokedAt:u}.");
                return 0;
            default:
                output.WriteLine(Usage);
                return 2;
        }
    }

    private static async Task<int> CreateAsync(ClientKeyStore keys, string[] args, TextWriter output)
    {
        string? name = null;
        var rpm = ClientKeyEndpoints.DefaultRequestsPerMinute;
        long budget = 0;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            var ok = args[i] switch
            {
                "--name" when value is not null => (name = value) is not null,
                "--rpm" => int.TryParse(value, CultureInfo.InvariantCulture, out rpm),
                "--daily-tokens" => long.TryParse(value, CultureInfo.InvariantCulture, out budget),
                _ => false,
            };
            if (!ok)
            {
                output.WriteLine($"Непонятный параметр «{args[i]}».");
                output.WriteLine(Usage);
                return 2;
            }
            i++;
        }
        var errors = ClientKeyEndpoints.Validate(name, rpm, budget);
        if (errors.Count > 0)
        {
            foreach (var (field, messages) in errors) output.WriteLine($"{field}: {string.Join(" ", messages)}");
            return 2;
        }
        var created = await keys.CreateAsync(name!, rpm, budget, CancellationToken.None);
        output.WriteLine($"Создан ключ «{created.Info.Name}» (id {created.Info.Id}), {rpm} запросов/мин, " +
                         (budget > 0 ? $"{budget} токенов в сутки." : "без дневного бюджета токенов."));
        output.WriteLine("Ключ (сохраните сейчас, он больше не будет показан):");
        output.WriteLine(created.Key);
        return 0;
    }

    private static async Task ListAsync(ClientKeyStore keys, TextWriter output)
    {
        var list = await keys.ListAsync(CancellationToken.None);
        if (list.Count == 0)
        {
            output.WriteLine("Ключей нет. Создайте: keys create --name ИМЯ");
            return;
        }
        output.WriteLine($"{"ID",-36}  {"ПРЕФИКС",-12}  {"ИМЯ",-20}  {"ЗАПР/МИН",8}  {"ТОКЕНЫ СЕГОДНЯ",22}  СОСТОЯНИЕ");
        foreach (var k in list)
        {
            var tokens = k.DailyTokenBudget > 0 ? $"{k.TokensUsedToday}/{k.DailyTokenBudget}" : $"{k.TokensUsedToday}/∞";
            var state = k.RevokedAt is { } at ? $"отозван {at:u}" : "активен";
            output.WriteLine($"{k.Id,-36}  {k.Prefix,-12}  {Truncate(k.Name, 20),-20}  {k.RequestsPerMinute,8}  {tokens,22}  {state}");
        }
    }

    private static string Truncate(string s, int length) => s.Length <= length ? s : s[..(length - 1)] + "…";
}
