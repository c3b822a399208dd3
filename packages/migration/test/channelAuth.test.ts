import { expect } from 'chai';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChannelAuthError, FramedSocket, HANDSHAKE, MigrationAbortedError, MigrationRefusedError, OperatorCa, PeerRefusedError, authenticateChannel, loadChannelAuth,
  migrationPolicyFromReferenceHost, pskKeyMaterial, type ChannelAuth, type FrameTamper, type MigrationPolicy, type VmHost,
} from '../src/index.js';
import { approvedPair, bootedHost, plaintextHash, startGuest, tamperedHost } from './support/migrationHosts.js';
import { attemptMigration, expectStayedOnSource } from './support/migrationRun.js';

const PORTS = { pair: 2710, migration: 2711 };

/** Replaces one base64 digit of the proof in the `at`-th frame (the JSON's 10th character: inside the proof, never padding). */
const corruptProof = (at: number): FrameTamper => (f, i) => {
  if (i === at) f[20] = f[20] === 0x41 ? 0x42 : 0x41;
  return f;
};

/** Both ends of one loopback TCP connection as FramedSockets. */
async function socketPair(): Promise<{ initiator: FramedSocket; responder: FramedSocket; close(): void }> {
  let accepted!: (s: Socket) => void;
  const incoming = new Promise<Socket>((r) => (accepted = r));
  const server = createServer(accepted);
  await new Promise<void>((r) => server.listen(PORTS.pair, '127.0.0.1', r));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const initiator = new FramedSocket(client);
  const responder = new FramedSocket(await incoming);
  server.close();
  return { initiator, responder, close: () => { initiator.close(); responder.close(); } };
}

describe('migration channel authentication', function () {
  this.timeout(60_000);
  let a: VmHost;
  let b: VmHost;
  let policy: MigrationPolicy;
  let ca: OperatorCa;
  let quotesByB = 0;
  const psk = randomBytes(32);
  let n = 0;

  before(async () => {
    ({ a, b, policy } = await approvedPair());
    ca = await OperatorCa.create();
    const quote = b.host.quote.bind(b.host);
    b.host.quote = (nonce) => { quotesByB++; return quote(nonce); };
  });

  const certificateAuth = async (issuer: OperatorCa, host: string, extra: { expectedPeer?: string; notBefore?: Date; notAfter?: Date } = {}): Promise<ChannelAuth> => {
    const { certificate, privateKey } = await issuer.issueHostCertificate(host, undefined, extra);
    return { certificate, privateKey: privateKey!, trustedCa: ca.der, ...(extra.expectedPeer ? { expectedPeer: extra.expectedPeer } : {}) };
  };

  /** Migrates a fresh VM A -> B with the given auth on each side; returns the attempt and the guest. */
  const migrate = async (sourceAuth: ChannelAuth, targetAuth: ChannelAuth, extra: { tamper?: FrameTamper; sourceTamper?: FrameTamper } = {}) => {
    const guest = await startGuest(a, `vm-auth-${++n}`, 32);
    guest.vm.memory.write(0x100, Buffer.from('tenant secret'));
    const hashBefore = plaintextHash(guest.vm);
    const quotesBefore = quotesByB;
    const attempt = await attemptMigration({
      source: a, destination: b, vmId: guest.vm.vmId, port: PORTS.migration,
      target: { auth: targetAuth, timeoutMs: 2000, ...(extra.tamper ? { tamper: extra.tamper } : {}) },
      migrate: { policy, auth: sourceAuth, timeoutMs: 2000, ...(extra.sourceTamper ? { tamper: extra.sourceTamper } : {}) },
    });
    return { attempt, guest, hashBefore, quotes: quotesByB - quotesBefore };
  };

  /** A refusal by authentication: auth-failed on both sides, before B's TPM quoted anything, and the VM untouched on A. */
  const expectAuthRefusal = (r: Awaited<ReturnType<typeof migrate>>, message: RegExp) => {
    const { attempt } = r;
    expect(attempt.error).to.be.instanceOf(MigrationAbortedError);
    const cause = (attempt.error as MigrationAbortedError).cause as ChannelAuthError | PeerRefusedError;
    expect((attempt.error as MigrationAbortedError).phase).to.equal('handshake');
    expect(cause.reason).to.equal('auth-failed');
    expect(attempt.destination?.committed).to.equal(false);
    expect((attempt.destination?.error as ChannelAuthError).reason).to.equal('auth-failed');
    expect(`${cause.message} | ${attempt.destination?.error?.message}`).to.match(message);
    expect(r.quotes, 'the destination must not have quoted').to.equal(0);
    expectStayedOnSource(a, b, r.guest, r.hashBefore);
  };

  it('authenticateChannel: both sides learn the peer\'s name, the same transcript hash and the same PSK key material', async () => {
    const pair = await socketPair();
    try {
      const [i, r] = await Promise.all([
        authenticateChannel(pair.initiator, { psk, identity: 'host-a' }, 'initiator', 2000),
        authenticateChannel(pair.responder, { psk, identity: 'host-b' }, 'responder', 2000),
      ]);
      expect([i.identity, r.identity]).to.deep.equal(['host-b', 'host-a']);
      expect(i.transcriptHash.equals(r.transcriptHash)).to.equal(true);
      // independent computation: HKDF of the PSK salted with the shared transcript hash
      expect(i.keyMaterial.equals(pskKeyMaterial(psk, i.transcriptHash))).to.equal(true);
      expect(r.keyMaterial.equals(i.keyMaterial)).to.equal(true);
      // what follows on the connection (a daemon's resolve question) arrives intact after authentication
      await pair.initiator.send(Buffer.from([HANDSHAKE.resolve, ...Buffer.from('{"vmId":"v","epoch":"1","question":"status"}')]));
      expect((await pair.responder.next(2000))[0]).to.equal(HANDSHAKE.resolve);
    } finally {
      pair.close();
    }
  });

  it('PSK: the migration succeeds and the VM runs on B', async () => {
    const r = await migrate({ psk, identity: 'host-a', expectedPeer: 'host-b' }, { psk, identity: 'host-b' });
    expect(r.attempt.error).to.equal(undefined);
    expect(r.attempt.destination?.committed).to.equal(true);
    expect(r.quotes).to.equal(1);
    expect(a.vms.has(r.guest.vm.vmId)).to.equal(false);
    expect(plaintextHash(b.vm(r.guest.vm.vmId))).to.equal(r.hashBefore);
  });

  it('PSK: a source with another key is refused (auth-failed) before the destination quotes', async () => {
    expectAuthRefusal(await migrate({ psk: randomBytes(32), identity: 'host-a' }, { psk, identity: 'host-b' }), /initiator's PSK proof does not verify/);
  });

  it('PSK: a destination with another key is refused (auth-failed) before it quotes', async () => {
    expectAuthRefusal(await migrate({ psk, identity: 'host-a' }, { psk: randomBytes(32), identity: 'host-b' }), /different pre-shared keys/);
  });

  it('PSK: the source checks the destination\'s proof too (a corrupted destination proof is refused by the source)', async () => {
    // the destination's frames: 0 authHello, 1 authProof
    const r = await migrate({ psk, identity: 'host-a' }, { psk, identity: 'host-b' }, { tamper: corruptProof(1) });
    expect(r.attempt.error).to.be.instanceOf(MigrationAbortedError);
    const cause = (r.attempt.error as MigrationAbortedError).cause as ChannelAuthError;
    expect(cause).to.be.instanceOf(ChannelAuthError); // the source's own verdict
    expect(cause.message).to.match(/responder's PSK proof does not verify/);
    expect((r.attempt.destination?.error as PeerRefusedError).reason).to.equal('auth-failed');
    expect(r.quotes).to.equal(0);
    expectStayedOnSource(a, b, r.guest, r.hashBefore);
  });

  it('PSK: a destination claiming another name than expected is refused (wrong host)', async () => {
    expectAuthRefusal(await migrate({ psk, identity: 'host-a', expectedPeer: 'host-b' }, { psk, identity: 'host-c' }), /wrong host: the peer calls itself host-c, expected host-b/);
  });

  it('certificates: hosts certified by the operator CA migrate; each side learns the other\'s certified name', async () => {
    const pair = await socketPair();
    const [sourceAuth, targetAuth] = [await certificateAuth(ca, 'host-a', { expectedPeer: 'host-b' }), await certificateAuth(ca, 'host-b')];
    try {
      const [i, r] = await Promise.all([authenticateChannel(pair.initiator, sourceAuth, 'initiator', 2000), authenticateChannel(pair.responder, targetAuth, 'responder', 2000)]);
      expect([i.identity, r.identity, i.keyMaterial.length]).to.deep.equal(['host-b', 'host-a', 0]);
    } finally {
      pair.close();
    }
    const m = await migrate(sourceAuth, targetAuth);
    expect(m.attempt.error).to.equal(undefined);
    expect(plaintextHash(b.vm(m.guest.vm.vmId))).to.equal(m.hashBefore);
  });

  it('certificates: a destination certified by another CA is refused (unknown CA)', async () => {
    const rogue = await OperatorCa.create('rogue CA');
    expectAuthRefusal(await migrate(await certificateAuth(ca, 'host-a'), await certificateAuth(rogue, 'host-b')), /unknown CA: .*rogue CA/);
  });

  it('certificates: an expired source certificate is refused (expired)', async () => {
    const past = { notBefore: new Date(Date.now() - 3 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) };
    expectAuthRefusal(await migrate(await certificateAuth(ca, 'host-a', past), await certificateAuth(ca, 'host-b')), /expired: the peer's certificate expired on/);
  });

  it('certificates: a destination certified for another host name than the one dialed is refused (wrong host)', async () => {
    expectAuthRefusal(await migrate(await certificateAuth(ca, 'host-a', { expectedPeer: 'host-b' }), await certificateAuth(ca, 'host-c')), /wrong host: the peer's certificate names host-c, expected host-b/);
  });

  it('certificates: a key that is not the certificate\'s is refused at configuration; a wrong transcript signature is refused (bad signature)', async () => {
    const { certificate } = await ca.issueHostCertificate('host-a');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const r = await migrate({ certificate, privateKey: other, trustedCa: ca.der }, await certificateAuth(ca, 'host-b'));
    expect(String((r.attempt.error as MigrationAbortedError).cause)).to.match(/private key does not belong to the host certificate/);
    expect(r.quotes).to.equal(0);
    // the source's frames: 0 authHello, 1 authProof; change one base64 digit of its signature
    expectAuthRefusal(await migrate(await certificateAuth(ca, 'host-a'), await certificateAuth(ca, 'host-b'), { sourceTamper: corruptProof(1) }), /bad signature: the initiator's transcript signature does not verify/);
  });

  it('none on both sides (tests only) migrates; none on one side only is refused', async () => {
    const ok = await migrate({ none: true }, { none: true });
    expect(ok.attempt.error).to.equal(undefined);
    expectAuthRefusal(await migrate({ none: true }, { psk, identity: 'host-b' }), /initiator offered none|uses psk authentication/);
    expectAuthRefusal(await migrate({ psk, identity: 'host-a' }, { none: true }), /offered psk/);
  });

  it('refuses to start without any auth configured, or with a PSK shorter than 32 octets', async () => {
    const guest = await startGuest(a, `vm-auth-${++n}`, 16);
    const hashBefore = plaintextHash(guest.vm);
    for (const [auth, message] of [[undefined, /no channel authentication configured/], [{ psk: randomBytes(16), identity: 'host-a' }, /16 octets: use at least 32/]] as const) {
      const r = await attemptMigration({ source: a, destination: b, vmId: guest.vm.vmId, port: PORTS.migration, target: { auth: { none: true }, timeoutMs: 500 }, migrate: { policy, auth: auth as unknown as ChannelAuth, timeoutMs: 500 } });
      expect(String((r.error as MigrationAbortedError).cause)).to.match(message);
      expectStayedOnSource(a, b, guest, hashBefore);
    }
  });
});

describe('loadChannelAuth and OperatorCa files', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'vtpm-auth-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a hex or raw PSK file and refuses one shorter than 32 octets', () => {
    const key = randomBytes(32);
    writeFileSync(join(dir, 'hex.psk'), `${key.toString('hex')}\n`);
    writeFileSync(join(dir, 'raw.psk'), key);
    writeFileSync(join(dir, 'short.psk'), randomBytes(31).toString('hex'));
    expect((loadChannelAuth({ pskFile: join(dir, 'hex.psk'), identity: 'a' }) as { psk: Buffer }).psk.equals(key)).to.equal(true);
    expect((loadChannelAuth({ pskFile: join(dir, 'raw.psk'), identity: 'a' }) as { psk: Buffer }).psk.equals(key)).to.equal(true);
    expect(() => loadChannelAuth({ pskFile: join(dir, 'short.psk') })).to.throw(/31 octets, fewer than 32/);
    expect(() => loadChannelAuth({ pskFile: join(dir, 'missing.psk') })).to.throw(/cannot read the pre-shared key file .*ENOENT/);
    expect(() => loadChannelAuth({ pskFile: join(dir, 'hex.psk'), none: true })).to.throw(/exactly one kind/);
  });

  it('saves and loads the operator CA; PEM and DER certificate files give the same credentials', async () => {
    const ca = await OperatorCa.create();
    ca.save(join(dir, 'ca'));
    const loaded = OperatorCa.load(join(dir, 'ca'));
    expect(loaded.der.equals(ca.der)).to.equal(true);
    const { certificate, privateKey } = await loaded.issueHostCertificate('host-b.example');
    const x = new X509Certificate(certificate);
    expect(x.checkIssued(new X509Certificate(ca.der))).to.equal(true);
    expect(x.verify(new X509Certificate(ca.der).publicKey)).to.equal(true);
    expect(x.subjectAltName).to.equal('DNS:host-b.example');
    expect(x.subject).to.contain('CN=host-b.example');
    writeFileSync(join(dir, 'host.pem'), x.toString());
    writeFileSync(join(dir, 'host.der'), certificate);
    writeFileSync(join(dir, 'host-key.pem'), privateKey!.export({ type: 'pkcs8', format: 'pem' }));
    const fromPem = loadChannelAuth({ certFile: join(dir, 'host.pem'), keyFile: join(dir, 'host-key.pem'), caFile: join(dir, 'ca', 'ca.pem'), expectedPeer: 'host-a' });
    const fromDer = loadChannelAuth({ certFile: join(dir, 'host.der'), keyFile: join(dir, 'host-key.pem'), caFile: join(dir, 'ca', 'ca.pem') });
    expect((fromPem as { certificate: Buffer }).certificate.equals(certificate)).to.equal(true);
    expect((fromDer as { certificate: Buffer }).certificate.equals(certificate)).to.equal(true);
    expect((fromPem as { trustedCa: Buffer }).trustedCa.equals(ca.der)).to.equal(true);
    expect(() => loadChannelAuth({ certFile: join(dir, 'host.pem') })).to.throw(/all three files/);
    expect(await ca.issueHostCertificate('not a name').then(() => 'issued', (e: Error) => e.message)).to.match(/is not a DNS name/);
  });
});

describe('mutual attestation: the destination appraises the source', function () {
  this.timeout(60_000);

  it('a destination requiring the source\'s attestation accepts a good source and refuses a tampered one, naming PCR 9', async () => {
    const [a, b, t] = [await bootedHost('A'), await bootedHost('B'), await tamperedHost('T')];
    const policy = await migrationPolicyFromReferenceHost('hypervisor-1.0', a.host);
    const target = { auth: { none: true } as const, timeoutMs: 2000, requireSourceAttestation: policy };
    const good = await startGuest(a, 'vm-mutual', 16);
    const ok = await attemptMigration({ source: a, destination: b, vmId: 'vm-mutual', port: 2712, target, migrate: { policy, auth: { none: true } } });
    expect(ok.error).to.equal(undefined);
    expect(b.vm('vm-mutual').record.config.vmId).to.equal(good.vm.vmId);

    const bad = await startGuest(t, 'vm-from-tampered', 16);
    const hashBefore = plaintextHash(bad.vm);
    const refused = await attemptMigration({ source: t, destination: b, vmId: 'vm-from-tampered', port: 2712, target, migrate: { policy, auth: { none: true } } });
    expect(refused.error).to.be.instanceOf(MigrationAbortedError);
    const cause = (refused.error as MigrationAbortedError).cause as PeerRefusedError;
    expect(cause.reason).to.equal('source-attestation-failed');
    expect(cause.message).to.match(/source's boot measurements differ from policy hypervisor-1.0 in PCR 9/);
    expect((refused.destination?.error as MigrationRefusedError).reason).to.equal('source-attestation-failed');
    expectStayedOnSource(t, b, bad, hashBefore);
  });
});
