namespace GigaOffice.Data;

/// <summary>An earlier completed request whose answer can serve an identical one.</summary>
public sealed record CacheSource(Guid Id, string ResultJson, string? Model);
