// CRM Vitals scheduled runner: an Azure Container Apps scheduled job that starts `vitals runner`
// every few minutes with a user-assigned managed identity, logging to Log Analytics.
// Each execution claims the due audit schedules (vit_auditschedule) with If-Match, audits,
// sends the digests, sets the next runs and exits. docs/install.md, "The scheduled runner",
// says how to deploy it and how the identity becomes a Dataverse application user.
// No secret is passed: the identity signs in to Dataverse and Graph, and pulls the image.

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Prefix of the resource names.')
@minLength(3)
@maxLength(20)
param namePrefix string = 'crmvitals'

@description('The runner image, e.g. contoso.azurecr.io/crm-vitals-runner:1.0.0 (built from the repository Dockerfile).')
param image string

@description('Name of the Azure Container Registry (same resource group) the image is pulled from with the identity; empty for a public image.')
param registryName string = ''

@description('URL of the Dataverse organisation, e.g. https://contoso.crm.dynamics.com')
param dataverseUrl string

@description('Fallback for environments that refuse a managed identity as application user: the client id of an app registration whose federated credential trusts this identity (docs/install.md). Empty: the identity itself is the application user.')
param federatedAppId string = ''

@description('Mailbox the digests are sent from (Graph Mail.Send granted to the identity); empty to send no digest.')
param digestFrom string = ''

@description('How often the job starts (UTC cron, five fields). Schedules carry their own cadence; this only bounds how late a due schedule starts.')
param cronExpression string = '*/5 * * * *'

@description('Runner replicas per execution. Replicas claim different schedules (If-Match on each schedule row), so several schedules run at once.')
@minValue(1)
@maxValue(16)
param parallelism int = 1

@description('Split full scheduled audits into about this many partitions (table x createdon range) that the replicas share; 0 or 1: each audit runs in one replica.')
@minValue(0)
@maxValue(1000)
param partitions int = 0

@description('Longest an execution may run, in seconds (an audit of a large organisation takes hours).')
param replicaTimeout int = 21600

@description('Days Log Analytics keeps the runner logs.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionDays
  }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-runner'
  location: location
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${namePrefix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

resource registry 'Microsoft.ContainerRegistry/registries@2021-09-01' existing = if (!empty(registryName)) {
  name: registryName
}

// AcrPull (built-in role 7f951dda-4ed3-4680-a7ca-43fe172d538d) for the identity on the registry.
resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(registryName)) {
  name: guid(resourceGroup().id, registryName, identity.id, 'AcrPull')
  scope: registry
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  }
}

var runnerArgs = concat([
  'runner'
  '--url'
  dataverseUrl
  '--managed-identity'
  '--client-id'
  identity.properties.clientId
], empty(federatedAppId) ? [] : [
  '--federated-app-id'
  federatedAppId
  '--tenant-id'
  tenant().tenantId
], empty(digestFrom) ? [] : [
  '--from'
  digestFrom
], partitions > 1 ? [
  '--partitions'
  string(partitions)
] : [])

resource job 'Microsoft.App/jobs@2024-03-01' = {
  name: '${namePrefix}-runner'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  dependsOn: [
    acrPull
  ]
  properties: {
    environmentId: environment.id
    configuration: {
      triggerType: 'Schedule'
      replicaTimeout: replicaTimeout
      replicaRetryLimit: 0
      scheduleTriggerConfig: {
        cronExpression: cronExpression
        parallelism: parallelism
        replicaCompletionCount: parallelism
      }
      registries: empty(registryName) ? [] : [
        {
          server: registry.properties.loginServer
          identity: identity.id
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'runner'
          image: image
          args: runnerArgs
          env: [
            {
              name: 'AZURE_CLIENT_ID'
              value: identity.properties.clientId
            }
          ]
          resources: {
            cpu: json('1.0')
            memory: '2Gi'
          }
        }
      ]
    }
  }
}

@description('Client (application) id of the identity: create the Dataverse application user with it.')
output identityClientId string = identity.properties.clientId

@description('Object id of the identity (for Graph application permissions such as Mail.Send).')
output identityPrincipalId string = identity.properties.principalId

output jobName string = job.name
output logAnalyticsWorkspaceId string = logs.id
