using System.Net;
using System.Reflection;
using BlobImageStore.Errors;
using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

/// <summary>
/// The direction of issue 10, enforced: hosts → HTTP layer → core ← storage adapters. The core (and the protocol it
/// shares with the client) knows neither ASP.NET Core nor the Azure SDK, and no HTTP status: its refusals are typed
/// outcomes that the HTTP layer's catalogue answers.
/// </summary>
public class CoreDependencyTests
{
    private static readonly Assembly Core = typeof(ChunkLayout).Assembly;
    private static readonly Assembly Protocol = typeof(FabricErrorCodes).Assembly;

    public static TheoryData<string> Assemblies() => [Core.GetName().Name!, Protocol.GetName().Name!];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_core_references_neither_ASP_NET_Core_nor_the_Azure_SDK(string name)
    {
        var referenced = Of(name).GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(referenced, n => n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || n.StartsWith("Azure", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void No_type_of_the_core_carries_an_HTTP_status(string name)
    {
        var types = Of(name).GetTypes();
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var withStatus = types
            .Where(t => t.GetFields(all).Any(f => IsStatus(f.FieldType))
                || t.GetProperties(all).Any(p => IsStatus(p.PropertyType))
                || t.GetConstructors(all).Concat<MethodBase>(t.GetMethods(all)).Any(m => m.GetParameters().Any(p => IsStatus(p.ParameterType)) || m is MethodInfo { ReturnType: var r } && IsStatus(r)))
            .Select(t => t.FullName)
            .ToList();

        Assert.Empty(withStatus);
        Assert.DoesNotContain(types, t => t == typeof(FabricException) || t.Name == nameof(FabricException));
    }

    [Fact]
    public void The_core_declares_no_exception_its_callers_would_have_to_answer()
    {
        // Refusals are returned as outcomes (Sessions/Outcomes.cs), never thrown; the HTTP layer's FabricException is not the core's.
        Assert.Empty(Core.GetTypes().Where(t => typeof(Exception).IsAssignableFrom(t)).Select(t => t.FullName));
        Assert.NotEqual(Core, typeof(FabricException).Assembly);
    }

    [Fact]
    public void The_check_sees_an_HTTP_status_where_there_is_one()
    {
        // The HTTP layer's exception carries a status, so the reflection above would have found it in the core.
        Assert.Contains(typeof(FabricException).GetProperties(), p => IsStatus(p.PropertyType));
    }

    private static Assembly Of(string name) => name == Core.GetName().Name ? Core : Protocol;

    private static bool IsStatus(Type type) => (Nullable.GetUnderlyingType(type) ?? type) == typeof(HttpStatusCode);
}
