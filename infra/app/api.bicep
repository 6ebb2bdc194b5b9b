// The image store API: a Flex Consumption plan and its dotnet-isolated function app. The app runs as a
// user-assigned managed identity and reaches storage and Application Insights through it: no keys or
// connection strings with secrets in its settings.

@description('Function app name (globally unique: <name>.azurewebsites.net).')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags for the plan and the app (the app also gets azd-service-name).')
param tags object

@description('azure.yaml service this app hosts (tag azd-service-name, how azd deploy finds the app).')
param serviceName string

@description('User-assigned managed identity the app runs as.')
param identityName string

@description('Storage account of the host state, the deployment package and the image store data.')
param storageAccountName string

@description('Container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Application Insights component for the app\'s telemetry.')
param applicationInsightsName string

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance, MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('ImageStore:Container, the container of the files.')
param fileContainerName string

@description('ImageStore:SessionContainer, the container of the session records and path claims.')
param sessionContainerName string

@description('ImageStore:MaxChunkSize, the largest UploadChunk body in bytes.')
@minValue(1)
param maxChunkSize int

@description('ImageStore:SessionExpiry, a .NET TimeSpan (hh:mm:ss or d.hh:mm:ss).')
param sessionExpiry string

@description('ImageStore:TombstoneRetention, how long the cleanup keeps an ended session\'s tombstone, a .NET TimeSpan.')
param tombstoneRetention string

@description('ImageStore:CleanupSchedule, the NCRONTAB schedule (with seconds) of the SessionCleanup timer.')
param cleanupSchedule string

@description('ImageStore:ListPageSize, most entries in one page of a content listing (0: no limit but ListPageBytes).')
param listPageSize int

@description('ImageStore:ListPageBytes, bytes of JSON one listing page holds.')
param listPageBytes int

@description('ImageStore:BlockSize, bytes per staged block (one pooled buffer each).')
param blockSize int

@description('ImageStore:BufferBudget, bytes of staging buffers for all uploads in flight together.')
param bufferBudget int

@description('ImageStore:AccountCapacity, bytes reported as DiskInfo.Capacity.')
param accountCapacity int

@description('ImageStore:ResponsePathSeparator, \\ or / in StoreRelativePath answers.')
param responsePathSeparator string

@description('Subnet the app integrates with (delegated to Microsoft.App/environments): its way to the storage account\'s private endpoint.')
param subnetId string

@description('How callers authenticate: functionKeys (the Functions host checks a key; callers are admins), entraId (Entra ID bearer tokens for the cluster application, roles Admin and User), clientCertificates (App Service asks for a client certificate and forwards it; the app checks it).')
@allowed([
  'functionKeys'
  'entraId'
  'clientCertificates'
])
param authMode string

@description('entraId: the Entra tenant id.')
param entraTenantId string

@description('entraId: application (client) id of the cluster application, the tokens\' audience (ImageStore:Security:AzureActiveDirectory:ClusterApplication).')
param entraClusterApplication string

@description('entraId: application id of the native client application sfctl and the .NET client sign in with.')
param entraClientApplication string

@description('clientCertificates: subject common name of the admin client certificates.')
param adminCertificateCommonName string

@description('clientCertificates: subject common name of the read-only client certificates (empty: none).')
param readOnlyCertificateCommonName string

@description('clientCertificates: SHA-1 thumbprints of the CAs that must have issued them, comma-separated (empty: any issuer the platform trusts).')
param certificateIssuerThumbprints string

var entra = authMode == 'entraId'
var certificates = authMode == 'clientCertificates'
var readOnlyCertificates = certificates && !empty(readOnlyCertificateCommonName)

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var blobEndpoint = storage.properties.primaryEndpoints.blob

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // clientCertificates: the platform asks every caller for a certificate and forwards it (X-ARR-ClientCert). Optional,
    // so that /$/GetAadMetadata and Entra callers need none; the app refuses requests without an allowed certificate.
    clientCertEnabled: certificates
    clientCertMode: 'Optional'
    // Outbound traffic goes through the network, where the storage account's private endpoint is.
    virtualNetworkSubnetId: subnetId
    siteConfig: {
      minTlsVersion: '1.2'
      // Flex Consumption: FUNCTIONS_WORKER_RUNTIME and the runtime version come from functionAppConfig.runtime.
      appSettings: [
        // Functions host storage (timer schedules and locks, function keys) through the identity.
        {
          name: 'AzureWebJobsStorage__blobServiceUri'
          value: blobEndpoint
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identity.properties.clientId
        }
        // Telemetry, authenticated with the identity (Monitoring Metrics Publisher).
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: applicationInsights.properties.ConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identity.properties.clientId};Authorization=AAD'
        }
        // ImageStore:Storage, read by Microsoft.Extensions.Azure: the Blob service URI and the managed identity.
        {
          name: 'ImageStore__Storage__serviceUri'
          value: blobEndpoint
        }
        {
          name: 'ImageStore__Storage__credential'
          value: 'managedidentity'
        }
        {
          name: 'ImageStore__Storage__clientId'
          value: identity.properties.clientId
        }
        // ImageStoreOptions.
        {
          name: 'ImageStore__Container'
          value: fileContainerName
        }
        {
          name: 'ImageStore__SessionContainer'
          value: sessionContainerName
        }
        {
          name: 'ImageStore__MaxChunkSize'
          value: string(maxChunkSize)
        }
        {
          name: 'ImageStore__SessionExpiry'
          value: sessionExpiry
        }
        {
          name: 'ImageStore__TombstoneRetention'
          value: tombstoneRetention
        }
        {
          name: 'ImageStore__ListPageSize'
          value: string(listPageSize)
        }
        {
          name: 'ImageStore__ListPageBytes'
          value: string(listPageBytes)
        }
        {
          name: 'ImageStore__BlockSize'
          value: string(blockSize)
        }
        {
          name: 'ImageStore__BufferBudget'
          value: string(bufferBudget)
        }
        {
          name: 'ImageStore__AccountCapacity'
          value: string(accountCapacity)
        }
        {
          name: 'ImageStore__ResponsePathSeparator'
          value: responsePathSeparator
        }
        // Read by the Functions host: the SessionCleanup timer's schedule is the binding expression %ImageStore:CleanupSchedule%.
        {
          name: 'ImageStore__CleanupSchedule'
          value: cleanupSchedule
        }
        // ImageStore:Security for the chosen authMode. Every name is always set (a literal contract); a mode's values
        // are empty in the other modes, and the app treats an all-empty AzureActiveDirectory section or certificate
        // entry as not configured. No setting at all: function keys.
        {
          name: 'ImageStore__Security__AzureActiveDirectory__TenantId'
          value: entra ? entraTenantId : ''
        }
        {
          name: 'ImageStore__Security__AzureActiveDirectory__ClusterApplication'
          value: entra ? entraClusterApplication : ''
        }
        {
          name: 'ImageStore__Security__AzureActiveDirectory__ClientApplication'
          value: entra ? entraClientApplication : ''
        }
        {
          name: 'ImageStore__Security__ClientCertificateCommonNames__0__CertificateCommonName'
          value: certificates ? adminCertificateCommonName : ''
        }
        {
          name: 'ImageStore__Security__ClientCertificateCommonNames__0__CertificateIssuerThumbprint'
          value: certificates ? certificateIssuerThumbprints : ''
        }
        {
          name: 'ImageStore__Security__ClientCertificateCommonNames__0__IsAdmin'
          value: 'true'
        }
        {
          name: 'ImageStore__Security__ClientCertificateCommonNames__1__CertificateCommonName'
          value: readOnlyCertificates ? readOnlyCertificateCommonName : ''
        }
        {
          name: 'ImageStore__Security__ClientCertificateCommonNames__1__CertificateIssuerThumbprint'
          value: readOnlyCertificates ? certificateIssuerThumbprints : ''
        }
        {
          name: 'ImageStore__Security__ClientCertificateCommonNames__1__IsAdmin'
          value: 'false'
        }
        {
          // App Service terminates TLS and passes the client certificate in this header.
          name: 'ImageStore__Security__ForwardedClientCertificateHeader'
          value: certificates ? 'X-ARR-ClientCert' : ''
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// No basic (user name and password) publishing: deployments (azd, az functionapp deploy) authenticate with Entra ID.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

// entraId: App Service authentication in front of the app as well (the app validates the same tokens itself): only
// tokens for the cluster application from the tenant get through, except to /$/GetAadMetadata, which clients read first.
resource authentication 'Microsoft.Web/sites/config@2025-03-01' = if (entra) {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [
        '/$/GetAadMetadata'
      ]
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClusterApplication
          openIdIssuer: '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            entraClusterApplication
            'api://${entraClusterApplication}'
          ]
        }
      }
    }
  }
}

output name string = functionApp.name
output id string = functionApp.id
output defaultHostName string = functionApp.properties.defaultHostName
