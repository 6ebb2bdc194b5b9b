// Uploads one file with tus-js-client and prints {"seconds":…,"blob":"…"} (the AzureStore blob name is the upload id).
// Usage: node client.mjs <endpoint> <file> <chunk bytes>
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import * as tus from 'tus-js-client';

const [endpoint, file, chunkSize] = process.argv.slice(2);
const size = statSync(file).size;
const started = process.hrtime.bigint();
await new Promise((resolve, reject) => {
  const upload = new tus.Upload(createReadStream(file), {
    endpoint,
    chunkSize: Number(chunkSize),
    uploadSize: size,
    retryDelays: null,
    metadata: { filename: basename(file) },
    onError: reject,
    onSuccess: () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      console.log(JSON.stringify({ seconds, blob: upload.url.split('/').pop() }));
      resolve();
    },
  });
  upload.start();
});
