import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programOf } from '@hearth/broker/testing/system-packages';

const openssl = (cwd: string, ...args: string[]) => execFileSync(programOf('openssl', 'openssl'), args, { cwd, stdio: 'pipe' });

/** Creates a CA, and a certificate signed by it, in `dir`: `<name>.pem` and `<name>.key`; the server one is for 127.0.0.1. */
export function certificateAuthority(dir = mkdtempSync(join(tmpdir(), 'hearth-certs-'))) {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Hearth test CA');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const issue = (name: string, commonName: string, server = false) => {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${commonName}`);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', ...(server ? ['-extfile', 'san.ext'] : []));
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  };
  return { dir, ca: join(dir, 'ca.pem'), issue };
}
