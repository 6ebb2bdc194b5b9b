// Least-privilege data-plane roles, each on the narrowest scope that works:
// - the Functions host: Storage Blob Data Owner on its own containers only (azure-webjobs-hosts, -secrets);
// - the Flex Consumption deployment: Storage Blob Data Contributor on the package container;
// - the image store: Storage Blob Data Contributor on the file and session containers;
// - telemetry: Monitoring Metrics Publisher on the Application Insights component (Entra ID ingestion);
// - optionally the deploying user or principal: Storage Blob Data Contributor on the file and session
//   containers, to run the self-hosted server or tests against this account from a workstation.

@description('Storage account that holds every container below.')
param storageAccountName string

@description('Containers the Functions host keeps its state in (AzureWebJobsStorage).')
param hostContainerNames array

@description('Container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Containers of the image store data: files and session records.')
param dataContainerNames array

@description('Application Insights component the app sends telemetry to.')
param applicationInsightsName string

@description('The function app\'s user-assigned managed identity.')
param identityName string

@description('Principal (object) ID of the deploying user or service principal; empty for none.')
param userPrincipalId string

@description('Type of userPrincipalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param userPrincipalType string

// Built-in role definition IDs (the same in every Azure tenant).
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' existing = {
  parent: storage
  name: 'default'
}

resource hostContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' existing = [
  for name in hostContainerNames: {
    parent: blobService
    name: name
  }
]

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' existing = {
  parent: blobService
  name: deploymentContainerName
}

resource dataContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' existing = [
  for name in dataContainerNames: {
    parent: blobService
    name: name
  }
]

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource hostOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in hostContainerNames: {
    name: guid(hostContainers[i].id, identity.id, storageBlobDataOwner)
    scope: hostContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource deploymentContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deploymentContainer.id, identity.id, storageBlobDataContributor)
  scope: deploymentContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource dataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in dataContainerNames: {
    name: guid(dataContainers[i].id, identity.id, storageBlobDataContributor)
    scope: dataContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identity.id, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource userDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in dataContainerNames: if (!empty(userPrincipalId)) {
    name: guid(dataContainers[i].id, userPrincipalId, storageBlobDataContributor)
    scope: dataContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
      principalId: userPrincipalId
      principalType: userPrincipalType
    }
  }
]
