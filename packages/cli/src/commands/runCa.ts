import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { CA_CERTIFICATE_FILE } from '@vtpm/attest';
import { OperatorCa } from '@vtpm/migration';
import { parseCaOptions } from '../args/caOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { readInputFile } from '../runtime/files.js';
import { CA_HELP } from './manufactureHelpText.js';

/**
 * `vtpm ca export --ca-dir DIR`: the CA certificate (PEM), for verifiers to trust.
 * `vtpm ca host-cert ...`: a host daemon's certificate and key from the operator CA in DIR.
 */
export async function runCa(argv: readonly string[]): Promise<void> {
  const opts = parseCaOptions(argv);
  if (opts.help) return void process.stdout.write(CA_HELP);
  if (opts.hostCert) return issueHostCertificate(opts.caDir, opts.hostCert);
  const certificate = join(opts.caDir, CA_CERTIFICATE_FILE);
  if (!existsSync(certificate)) throw new CommandFailure(`vtpm ca export: no CA in ${opts.caDir} (no ${CA_CERTIFICATE_FILE}): vtpm manufacture --tpmstate dir=DIR --ca-dir ${opts.caDir} creates one`);
  process.stdout.write(readInputFile('vtpm ca export', 'CA certificate', certificate));
}

async function issueHostCertificate(caDir: string, o: { name: string; certFile: string; keyFile: string; days: number }): Promise<void> {
  const command = 'vtpm ca host-cert';
  const created = !existsSync(join(caDir, CA_CERTIFICATE_FILE));
  let issued;
  try {
    const ca = await OperatorCa.loadOrCreate(caDir);
    const notBefore = new Date(Date.now() - 60_000);
    issued = await ca.issueHostCertificate(o.name, undefined, { notBefore, notAfter: new Date(notBefore.getTime() + o.days * 86_400_000) });
  } catch (e) {
    throw new CommandFailure(`${command}: ${(e as Error).message}`);
  }
  const pem = new X509Certificate(issued.certificate).toString();
  try {
    writeFileSync(o.certFile, pem);
    writeFileSync(o.keyFile, issued.privateKey!.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  } catch (e) {
    throw new CommandFailure(`${command}: cannot write ${(e as NodeJS.ErrnoException).path ?? o.certFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  process.stdout.write(
    `host certificate for ${o.name} in ${o.certFile}, key in ${o.keyFile} (0600), valid ${o.days} days; operator CA ${created ? 'created in' : 'from'} ${caDir}\n` +
      `next: vtpm host serve --host-dir DIR --listen HOST:PORT --cert ${o.certFile} --key ${o.keyFile} --ca ${join(caDir, CA_CERTIFICATE_FILE)} --identity ${o.name}\n`,
  );
}
