// The tus peer: @tus/server with @tus/azure-store on the benchmark's Azurite.
// Usage: node server.mjs <port> <connection string> <container>
import { BlobServiceClient } from '@azure/storage-blob';
import { AzureStore } from '@tus/azure-store';
import { Server } from '@tus/server';

const [port, connectionString, containerName] = process.argv.slice(2);
const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
await container.createIfNotExists();
const server = new Server({ path: '/files', datastore: new AzureStore({ client: container }) });
server.listen({ host: '127.0.0.1', port: Number(port) }, () => console.log(`tus listening on ${port}`));
