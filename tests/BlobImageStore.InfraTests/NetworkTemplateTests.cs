using System.Text.Json;

namespace BlobImageStore.InfraTests;

/// <summary>
/// Storage reachable only from the function app: the account refuses public network access (unless addresses are
/// allowed explicitly), its Blob service has a private endpoint in a network the app is integrated with, the private
/// DNS zone resolves the account there; and the app takes no basic-auth (user and password) deployments.
/// </summary>
public sealed class NetworkTemplateTests
{
    private static JsonElement Account => CompiledMain.Single("Microsoft.Storage/storageAccounts");

    [Fact]
    public void The_account_turns_public_network_access_off_and_denies_by_default()
    {
        Assert.Equal("[if(empty(parameters('allowedIpRanges')), 'Disabled', 'Enabled')]", Account.At("properties.publicNetworkAccess").GetString());
        Assert.Equal("Deny", Account.At("properties.networkAcls.defaultAction").GetString());
        // Not even "trusted Azure services" get past the firewall.
        Assert.Equal("None", Account.At("properties.networkAcls.bypass").GetString());
        Assert.Empty(Account.At("properties.networkAcls.virtualNetworkRules").EnumerateArray());

        // By default no address is allowed, so public access is off; the list reaches the module unchanged.
        Assert.Empty(CompiledMain.DefaultOf("storageAllowedIpRanges").EnumerateArray());
        var storageModule = Module("storage");
        Assert.Equal("[parameters('storageAllowedIpRanges')]", storageModule.At("properties.parameters.allowedIpRanges.value").GetString());
        var ipRules = Assert.Single(Account.At("properties.networkAcls.copy").EnumerateArray());
        Assert.Equal("ipRules", ipRules.GetProperty("name").GetString());
        Assert.Equal("Allow", ipRules.At("input.action").GetString());
    }

    [Fact]
    public void The_Blob_service_has_a_private_endpoint_in_its_own_subnet_with_the_privatelink_zone()
    {
        var endpoint = CompiledMain.Single("Microsoft.Network/privateEndpoints");
        var connection = Assert.Single(endpoint.At("properties.privateLinkServiceConnections").EnumerateArray());
        Assert.Equal(["blob"], connection.At("properties.groupIds").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal("[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]",
            connection.At("properties.privateLinkServiceId").GetString());
        Assert.Contains("variables('privateEndpointSubnetName')", endpoint.At("properties.subnet.id").GetString(), StringComparison.Ordinal);

        // The network module is given the account main.bicep creates.
        Assert.Equal("[variables('names').storage]", Module("network").At("properties.parameters.storageAccountName.value").GetString());

        var zone = CompiledMain.Single("Microsoft.Network/privateDnsZones");
        Assert.Equal("[variables('blobPrivateDnsZoneName')]", zone.GetProperty("name").GetString());
        Assert.Equal("[format('privatelink.blob.{0}', environment().suffixes.storage)]",
            Module("network").At("properties.template.variables.blobPrivateDnsZoneName").GetString());
        var link = CompiledMain.Single("Microsoft.Network/privateDnsZones/virtualNetworkLinks");
        Assert.False(link.At("properties.registrationEnabled").GetBoolean());
        Assert.Contains("Microsoft.Network/virtualNetworks", link.At("properties.virtualNetwork.id").GetString(), StringComparison.Ordinal);
        var group = CompiledMain.Single("Microsoft.Network/privateEndpoints/privateDnsZoneGroups");
        var config = Assert.Single(group.At("properties.privateDnsZoneConfigs").EnumerateArray());
        Assert.Contains("Microsoft.Network/privateDnsZones", config.At("properties.privateDnsZoneId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_app_is_integrated_with_the_delegated_subnet()
    {
        var network = CompiledMain.Single("Microsoft.Network/virtualNetworks");
        var subnets = network.At("properties.subnets").EnumerateArray().ToList();
        Assert.Equal(2, subnets.Count);
        var app = Assert.Single(subnets, s => s.GetProperty("name").GetString() == "[variables('appSubnetName')]");
        var delegation = Assert.Single(app.At("properties.delegations").EnumerateArray());
        Assert.Equal("Microsoft.App/environments", delegation.At("properties.serviceName").GetString()); // Flex Consumption's

        var site = CompiledMain.Single("Microsoft.Web/sites");
        Assert.Equal("[parameters('subnetId')]", site.At("properties.virtualNetworkSubnetId").GetString());
        // Fed from the network module's output, which also orders the app after the private endpoint and its DNS.
        var subnetId = Module("api").At("properties.parameters.subnetId.value").GetString()!;
        Assert.Contains("'Microsoft.Resources/deployments', 'network')", subnetId, StringComparison.Ordinal);
        Assert.EndsWith(".outputs.appSubnetId.value]", subnetId, StringComparison.Ordinal);
        Assert.Contains("variables('appSubnetName')", Module("network").At("properties.template.outputs.appSubnetId.value").GetString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Basic_publishing_credentials_are_off_for_scm_and_ftp()
    {
        var policies = CompiledMain.Resources("Microsoft.Web/sites/basicPublishingCredentialsPolicies");

        Assert.Equal(["ftp", "scm"], policies.Select(p => p.GetProperty("name").GetString()!.Split("'")[^2]).Order());
        Assert.All(policies, p => Assert.False(p.At("properties.allow").GetBoolean()));
    }

    private static JsonElement Module(string name) =>
        Assert.Single(CompiledMain.Resources("Microsoft.Resources/deployments"), d => d.GetProperty("name").GetString() == name);
}
