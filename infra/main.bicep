// BlobImageStore on Azure: the Service Fabric Image Store REST API as a Flex Consumption function app over
// Blob Storage. Subscription scope: creates the resource group, then everything in it (see infra/README.md).
targetScope = 'subscription'

@description('azd environment name; names the resource group and seeds the generated resource names.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region of every resource (one where Flex Consumption is available).')
@minLength(1)
param location string

@description('Principal (object) ID of the deploying user or service principal, granted data access to the file and session containers for local runs (which also need their address in storageAllowedIpRanges); empty for none.')
param principalId string = ''

@description('Type of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

// Names: empty means generated from the environment (azd convention).
@description('Resource group name; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Storage account name (3-24 lowercase letters and digits, globally unique); default generated.')
@maxLength(24)
param storageAccountName string = ''

@description('Function app name (globally unique); default generated.')
param functionAppName string = ''

@description('Flex Consumption plan name; default generated.')
param appServicePlanName string = ''

@description('User-assigned managed identity name; default generated.')
param identityName string = ''

@description('Log Analytics workspace name; default generated.')
param logAnalyticsName string = ''

@description('Application Insights component name; default generated.')
param applicationInsightsName string = ''

@description('Virtual network name; default generated.')
param virtualNetworkName string = ''

// Containers.
@description('Container of the files (ImageStore:Container).')
@minLength(3)
@maxLength(63)
param fileContainerName string = 'imagestore'

@description('Container of the upload-session records and path claims (ImageStore:SessionContainer).')
@minLength(3)
@maxLength(63)
param sessionContainerName string = 'imagestore-sessions'

@description('Container the Flex Consumption plan deploys the app package from.')
@minLength(3)
@maxLength(63)
param deploymentContainerName string = 'app-package'

// Scale.
@description('Most instances the function app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each function app instance, MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

// Image store behaviour.
@description('Largest UploadChunk body in bytes (ImageStore:MaxChunkSize). The platform\'s own request size limit still applies.')
@minValue(1)
@maxValue(4194304000)
param maxChunkSize int = 100000000

@description('A session expires this long after its last accepted chunk (ImageStore:SessionExpiry, a .NET TimeSpan such as 00:30:00).')
@minLength(8)
param sessionExpiry string = '00:30:00'

@description('The cleanup keeps an ended session\'s tombstone this long (ImageStore:TombstoneRetention, a .NET TimeSpan such as 7.00:00:00): meanwhile its id still answers that it expired or was committed.')
@minLength(8)
param tombstoneRetention string = '7.00:00:00'

@description('When the SessionCleanup timer runs (ImageStore:CleanupSchedule, NCRONTAB with seconds; default every 5 minutes).')
@minLength(11)
param cleanupSchedule string = '0 */5 * * * *'

@description('Most entries in one page of a content listing (ImageStore:ListPageSize); 0 for no limit but ImageStore:ListPageBytes.')
@minValue(0)
param listPageSize int = 0

@description('How much of a listing one page holds, bytes of JSON (ImageStore:ListPageBytes): Service Fabric\'s 4 MiB x 0.75, so clients that never page see whole folders.')
@minValue(16384)
@maxValue(268435456)
param listPageBytes int = 3145728

@description('Bytes per staged block (ImageStore:BlockSize): one pooled buffer each, at most two per request, so it bounds memory per upload.')
@minValue(65536)
@maxValue(2147483647)
param blockSize int = 4194304

@description('Memory for the staging buffers of all uploads in flight together (ImageStore:BufferBudget); when it is spent, uploads wait for a buffer instead of failing.')
@minValue(65536)
param bufferBudget int = 100663296

@description('Bytes GET /ImageStore/$/Info reports as DiskInfo.Capacity (ImageStore:AccountCapacity; default 5 PiB, a standard account\'s limit).')
@minValue(1)
param accountCapacity int = 5629499534213120

@description('Separator of StoreRelativePath in answers (ImageStore:ResponsePathSeparator): \\ as a Windows cluster answers, or /.')
@allowed([
  '\\'
  '/'
])
param responsePathSeparator string = '\\'

@description('Lifecycle backstop: days without modification after which session records and path claims are deleted. Keep it well above sessionExpiry.')
@minValue(1)
param sessionRecordRetentionDays int = 7

// Client authentication (README "Security"): function keys, Entra ID, or client certificates.
@description('How callers authenticate: functionKeys, entraId (set the entra* parameters) or clientCertificates (set the *CertificateCommonName parameters).')
@allowed([
  'functionKeys'
  'entraId'
  'clientCertificates'
])
param authMode string = 'functionKeys'

@description('entraId: the Entra tenant id (default: the deployment\'s tenant).')
param entraTenantId string = tenant().tenantId

@description('entraId: application id of the cluster application (created by Service Fabric\'s SetupApplications.ps1, or your own with app roles Admin and User).')
param entraClusterApplication string = ''

@description('entraId: application id of the native client application.')
param entraClientApplication string = ''

@description('clientCertificates: subject common name of the admin client certificates.')
param adminCertificateCommonName string = ''

@description('clientCertificates: subject common name of the read-only client certificates (empty: none).')
param readOnlyCertificateCommonName string = ''

@description('clientCertificates: SHA-1 thumbprints of the issuing CAs, comma-separated (empty: any issuer the platform trusts).')
param certificateIssuerThumbprints string = ''
// Network: the storage account is reachable only through its private endpoint in this network, which the app joins.
@description('Address space of the virtual network.')
param vnetAddressPrefix string = '10.0.0.0/16'

@description('Subnet the function app integrates with (Flex Consumption: at least /27, delegated to Microsoft.App/environments).')
param appSubnetPrefix string = '10.0.1.0/24'

@description('Subnet of the storage account\'s private endpoint.')
param privateEndpointSubnetPrefix string = '10.0.2.0/24'

@description('Public IP addresses or CIDR ranges allowed through the storage firewall besides the private endpoint (e.g. your workstation, to run the self-host or tests against the account); empty keeps public network access off.')
param storageAllowedIpRanges array = []

@description('Application Insights accepts only Entra ID-authenticated telemetry (the app authenticates with its managed identity).')
param disableLocalAuthForTelemetry bool = true

@description('Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var apiServiceName = 'api'

// Containers the Functions host keeps its state in under AzureWebJobsStorage: timer schedules and locks
// (azure-webjobs-hosts) and function keys (azure-webjobs-secrets). Created with the others so that the
// host's Storage Blob Data Owner role can be scoped to exactly these.
var hostContainerNames = [
  'azure-webjobs-hosts'
  'azure-webjobs-secrets'
]

// Every name is known before deployment (no module output feeds a resource name: What-If stays precise).
var names = {
  resourceGroup: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  storage: !empty(storageAccountName) ? storageAccountName : 'st${resourceToken}'
  functionApp: !empty(functionAppName) ? functionAppName : 'func-api-${resourceToken}'
  plan: !empty(appServicePlanName) ? appServicePlanName : 'plan-api-${resourceToken}'
  identity: !empty(identityName) ? identityName : 'id-api-${resourceToken}'
  logAnalytics: !empty(logAnalyticsName) ? logAnalyticsName : 'log-${resourceToken}'
  applicationInsights: !empty(applicationInsightsName) ? applicationInsightsName : 'appi-${resourceToken}'
  virtualNetwork: !empty(virtualNetworkName) ? virtualNetworkName : 'vnet-${resourceToken}'
}

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    fileContainerName: fileContainerName
    sessionContainerName: sessionContainerName
    deploymentContainerName: deploymentContainerName
    hostContainerNames: hostContainerNames
    sessionRecordRetentionDays: sessionRecordRetentionDays
    allowedIpRanges: storageAllowedIpRanges
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  scope: rg
  params: {
    name: names.virtualNetwork
    location: location
    tags: tags
    storageAccountName: names.storage
    addressPrefix: vnetAddressPrefix
    appSubnetPrefix: appSubnetPrefix
    privateEndpointSubnetPrefix: privateEndpointSubnetPrefix
  }
  dependsOn: [
    storage
  ]
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
    disableLocalAuth: disableLocalAuthForTelemetry
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    storageAccountName: names.storage
    hostContainerNames: hostContainerNames
    deploymentContainerName: deploymentContainerName
    dataContainerNames: [
      fileContainerName
      sessionContainerName
    ]
    applicationInsightsName: names.applicationInsights
    identityName: names.identity
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
  dependsOn: [
    identity
    storage
    monitoring
  ]
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    serviceName: apiServiceName
    identityName: names.identity
    storageAccountName: names.storage
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: names.applicationInsights
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    fileContainerName: fileContainerName
    sessionContainerName: sessionContainerName
    maxChunkSize: maxChunkSize
    sessionExpiry: sessionExpiry
    authMode: authMode
    entraTenantId: entraTenantId
    entraClusterApplication: entraClusterApplication
    entraClientApplication: entraClientApplication
    adminCertificateCommonName: adminCertificateCommonName
    readOnlyCertificateCommonName: readOnlyCertificateCommonName
    certificateIssuerThumbprints: certificateIssuerThumbprints
    tombstoneRetention: tombstoneRetention
    cleanupSchedule: cleanupSchedule
    listPageSize: listPageSize
    listPageBytes: listPageBytes
    blockSize: blockSize
    bufferBudget: bufferBudget
    accountCapacity: accountCapacity
    responsePathSeparator: responsePathSeparator
    // Also orders the app after the private endpoint and its DNS: the host reaches storage on its first start.
    subnetId: network.outputs.appSubnetId
  }
  // The identity's storage roles exist before the app first starts and reads its deployment package.
  dependsOn: [
    roles
  ]
}

// azd reads these into the environment (.azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = 'https://${api.outputs.defaultHostName}'
