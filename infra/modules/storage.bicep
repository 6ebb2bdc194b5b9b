// The one storage account: the image store's files and session records, the Functions host's own
// containers, and the Flex Consumption deployment package. Entra ID only (no shared key, no public blobs),
// and no public network access: the function app reaches it through its private endpoint (modules/network.bicep).

@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the account.')
param location string

@description('Tags for the account.')
param tags object

@description('Container of the image store files (ImageStore:Container). Never touched by lifecycle management.')
param fileContainerName string

@description('Container of the upload-session records and path claims (ImageStore:SessionContainer).')
param sessionContainerName string

@description('Container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Containers the Functions host keeps its state in; created here so that its role can be granted on exactly these.')
param hostContainerNames array

@description('Days without modification after which lifecycle management deletes session records and path claims.')
@minValue(1)
param sessionRecordRetentionDays int

@description('Public IP addresses or ranges (CIDR) let through the account\'s firewall besides the private endpoint, e.g. a workstation that runs the self-hosted server against this account; empty (the default) turns public network access off.')
param allowedIpRanges array

resource storage 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Only the private endpoint, unless addresses are allowed through the firewall; no trusted-service bypass.
    publicNetworkAccess: empty(allowedIpRanges) ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'None'
      ipRules: [
        for range in allowedIpRanges: {
          value: range
          action: 'Allow'
        }
      ]
      virtualNetworkRules: []
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: storage
  name: 'default'
}

resource fileContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: fileContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource sessionContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: sessionContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource hostContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = [
  for containerName in hostContainerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

// Backstop for the app's own expiry: the app expires a session SessionExpiry after its last chunk and a timer
// deletes it; a record or claim the timer missed is deleted here once nobody has written it for N days.
// Only the two prefixes of the session container: files (and their uncommitted blocks, which Azure discards
// after 7 days itself) are never touched.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2026-09-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-abandoned-upload-sessions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${sessionContainer.name}/sessions/'
                '${sessionContainer.name}/paths/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: sessionRecordRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output fileContainerName string = fileContainer.name
output sessionContainerName string = sessionContainer.name
output deploymentContainerName string = deploymentContainer.name
