using System.Text.Json;
using BlobImageStore.Storage;

namespace BlobImageStore.InfraTests;

/// <summary>The storage account, its lifecycle backstop and the role assignments, read from the compiled template.</summary>
public sealed class StorageTemplateTests
{
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    [Fact]
    public void Account_takes_Entra_ID_only_over_TLS_1_2()
    {
        var account = CompiledMain.Single("Microsoft.Storage/storageAccounts");

        Assert.Equal("StorageV2", account.GetProperty("kind").GetString());
        Assert.False(account.At("properties.allowSharedKeyAccess").GetBoolean());
        Assert.False(account.At("properties.allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", account.At("properties.minimumTlsVersion").GetString());
        Assert.True(account.At("properties.supportsHttpsTrafficOnly").GetBoolean());
    }

    [Fact]
    public void Containers_are_private()
    {
        var containers = CompiledMain.Resources("Microsoft.Storage/storageAccounts/blobServices/containers");

        // Files, sessions, deployment package, and a loop over the host's containers.
        Assert.Equal(4, containers.Count);
        Assert.All(containers, c => Assert.Equal("None", c.At("properties.publicAccess").GetString()));
        var hostLoop = Assert.Single(containers, c => c.TryGetProperty("copy", out _));
        Assert.Equal("[length(parameters('hostContainerNames'))]", hostLoop.At("copy.count").GetString());
        Assert.Equal(["azure-webjobs-hosts", "azure-webjobs-secrets"],
            CompiledMain.Template.At("variables.hostContainerNames").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public void Lifecycle_deletes_only_stale_session_records_and_path_claims()
    {
        var policy = CompiledMain.Single("Microsoft.Storage/storageAccounts/managementPolicies");
        var rule = Assert.Single(policy.At("properties.policy.rules").EnumerateArray());
        var prefixes = rule.At("definition.filters.prefixMatch").EnumerateArray().Select(p => p.GetString()!).ToList();

        // The two prefixes the app writes, each inside the session container (never the file container).
        Assert.Equal(2, prefixes.Count);
        Assert.Contains(prefixes, p => p.Contains($"/{BlobSessionRecords.SessionPrefix}'", StringComparison.Ordinal));
        Assert.Contains(prefixes, p => p.Contains($"/{BlobImageStore.Sessions.ClaimNames.Prefix}'", StringComparison.Ordinal));
        Assert.All(prefixes, p => Assert.Contains("parameters('sessionContainerName')", p, StringComparison.Ordinal));

        // Only base blobs are deleted, after N days without modification (default 7, like uncommitted blocks).
        var actions = rule.At("definition.actions");
        Assert.Equal(["baseBlob"], actions.EnumerateObject().Select(a => a.Name));
        Assert.Equal(["delete"], actions.GetProperty("baseBlob").EnumerateObject().Select(a => a.Name));
        Assert.Equal("[parameters('sessionRecordRetentionDays')]",
            actions.At("baseBlob.delete.daysAfterModificationGreaterThan").GetString());
        Assert.Equal(7, CompiledMain.DefaultOf("sessionRecordRetentionDays").GetInt32());
    }

    [Fact]
    public void Roles_are_named_and_scoped_least_privilege()
    {
        var assignments = CompiledMain.Resources("Microsoft.Authorization/roleAssignments");
        var byRole = assignments.ToLookup(a => RoleOf(a.At("properties.roleDefinitionId").GetString()!));

        Assert.All(assignments, a =>
        {
            Assert.StartsWith("[guid(", a.GetProperty("name").GetString(), StringComparison.Ordinal);
            Assert.Contains(RoleOf(a.At("properties.roleDefinitionId").GetString()!),
                new[] { StorageBlobDataOwner, StorageBlobDataContributor, MonitoringMetricsPublisher });
        });

        // Owner only on the Functions host's own containers, never the account or the data.
        var owner = Assert.Single(byRole[StorageBlobDataOwner]);
        Assert.Contains("parameters('hostContainerNames')[copyIndex()]", Scope(owner), StringComparison.Ordinal);

        // Everything else on storage is Contributor on one container; telemetry publishing on the component.
        Assert.All(byRole[StorageBlobDataContributor],
            a => Assert.StartsWith("[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers'", Scope(a), StringComparison.Ordinal));
        var publisher = Assert.Single(byRole[MonitoringMetricsPublisher]);
        Assert.StartsWith("[resourceId('Microsoft.Insights/components'", Scope(publisher), StringComparison.Ordinal);
    }

    private static string Scope(JsonElement assignment) =>
        assignment.TryGetProperty("scope", out var scope) ? scope.GetString()! : "(resource group)";

    private static string RoleOf(string roleDefinitionId)
    {
        // "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('x'))]" → the variable's GUID.
        var variable = roleDefinitionId.Split("variables('")[1].Split("')")[0];
        foreach (var template in Templates(CompiledMain.Template))
        {
            if (template.TryGetProperty("variables", out var variables) && variables.TryGetProperty(variable, out var value))
            {
                return value.GetString()!;
            }
        }

        throw new InvalidOperationException($"variable {variable} not found");
    }

    private static IEnumerable<JsonElement> Templates(JsonElement template)
    {
        yield return template;
        foreach (var deployment in CompiledMain.Resources("Microsoft.Resources/deployments"))
        {
            yield return deployment.At("properties.template");
        }
    }
}
