// Values more than one module needs, imported at compile time (so they are known before deployment).

@export()
@description('Containers the Functions host keeps its state in under AzureWebJobsStorage: timer schedules and locks (azure-webjobs-hosts), function keys (azure-webjobs-secrets).')
var hostContainerNames = [
  'azure-webjobs-hosts'
  'azure-webjobs-secrets'
]
