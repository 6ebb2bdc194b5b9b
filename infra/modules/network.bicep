// The private network between the function app and its storage account, as the azd Flex Consumption samples with
// VNet build it: a virtual network with one subnet the app integrates with (delegated to Microsoft.App/environments,
// which Flex Consumption requires) and one for the storage account's blob private endpoint, plus the private DNS zone
// that makes <account>.blob.<suffix> resolve to the endpoint's private address inside the network. The account itself
// turns public network access off (modules/storage.bicep), so the app's subnet is the only way in.

@description('Virtual network name.')
param name string

@description('Azure region of the network and the private endpoint.')
param location string

@description('Tags for every resource here.')
param tags object

@description('Storage account whose Blob service gets the private endpoint.')
param storageAccountName string

@description('Address space of the virtual network (CIDR).')
param addressPrefix string

@description('Subnet the function app integrates with (CIDR inside addressPrefix; Flex Consumption needs at least a /27).')
param appSubnetPrefix string

@description('Subnet of the storage account\'s private endpoint (CIDR inside addressPrefix).')
param privateEndpointSubnetPrefix string

var appSubnetName = 'app'
var privateEndpointSubnetName = 'private-endpoints'
var blobPrivateDnsZoneName = 'privatelink.blob.${environment().suffixes.storage}'

resource storage 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: storageAccountName
}

resource network 'Microsoft.Network/virtualNetworks@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: appSubnetName
        properties: {
          addressPrefix: appSubnetPrefix
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: privateEndpointSubnetName
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: appSubnetName
  }

  resource privateEndpointSubnet 'subnets' existing = {
    name: privateEndpointSubnetName
  }
}

resource blobDnsZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: blobPrivateDnsZoneName
  location: 'global'
  tags: tags
}

resource blobDnsZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: blobDnsZone
  name: '${name}-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: network.id
    }
  }
}

resource blobEndpoint 'Microsoft.Network/privateEndpoints@2025-05-01' = {
  name: 'pe-blob-${storageAccountName}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: network::privateEndpointSubnet.id
    }
    privateLinkServiceConnections: [
      {
        name: 'blob'
        properties: {
          privateLinkServiceId: storage.id
          groupIds: [
            'blob'
          ]
        }
      }
    ]
  }
}

resource blobEndpointDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-05-01' = {
  parent: blobEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'blob'
        properties: {
          privateDnsZoneId: blobDnsZone.id
        }
      }
    ]
  }
  // The zone answers inside the network only once it is linked to it.
  dependsOn: [
    blobDnsZoneLink
  ]
}

output id string = network.id
output appSubnetId string = network::appSubnet.id
output privateEndpointSubnetId string = network::privateEndpointSubnet.id
