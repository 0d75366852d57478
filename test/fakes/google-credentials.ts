// A service-account key file generated locally for tests of Vertex project mode (ADC).
// Its non-default universe_domain makes google-auth-library sign its own JWT access tokens
// (self-signed JWT) instead of exchanging them at oauth2.googleapis.com, which tests cannot reach.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServiceAccountFile {
  path: string;
  clientEmail: string;
  publicKey: string;
}

export function writeServiceAccountFile(dir: string, projectId: string): ServiceAccountFile {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const clientEmail = `atelier-test@${projectId}.iam.gserviceaccount.com`;
  const path = join(dir, 'service-account.json');
  writeFileSync(
    path,
    JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomUUID().replace(/-/g, ''),
      private_key: privateKey,
      client_email: clientEmail,
      client_id: '100000000000000000001',
      universe_domain: 'atelier.test',
    }),
  );
  return { path, clientEmail, publicKey };
}
