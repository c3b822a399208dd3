import { expect } from 'chai';
import { join } from 'node:path';
import { KeyBroker, KeyVault, SqliteStore, masterKeyFromFile } from '../src/index.js';
import { tempDir } from './support/tempDir.js';

describe('keybroker master key', function () {
  this.timeout(30_000);

  it('a passphrase broker reopens with the same passphrase and refuses another', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'broker.sqlite');
    try {
      const first = await KeyBroker.open({ store: { sqlite: path }, masterKey: { passphrase: 'correct horse' } });
      await first.tenant.addVm('vm1', 'acme', Buffer.alloc(32, 9));
      await first.close();

      const again = await KeyBroker.open({ store: { sqlite: path }, masterKey: { passphrase: 'correct horse' } });
      expect((await again.tenant.listVms()).map((v) => v.vmId)).to.deep.equal(['vm1']);
      await again.close();

      const err = await KeyBroker.open({ store: { sqlite: path }, masterKey: { passphrase: 'wrong' } }).catch((e: Error) => e);
      expect(String(err)).to.contain('not the one this store was created with');
    } finally {
      dir.remove();
    }
  });

  it('a sealed key moved onto another VM\'s row does not open', async () => {
    const dir = tempDir();
    try {
      const store = new SqliteStore(join(dir.path, 'b.sqlite'));
      const broker = await KeyBroker.open({ store, masterKey: { file: join(dir.path, 'k'), create: true } });
      await broker.tenant.addVm('vm1', 't', Buffer.alloc(32, 1));
      await broker.tenant.addVm('vm2', 't', Buffer.alloc(32, 2));
      const sealed1 = (await store.currentKey('vm1'))!.sealed;
      await store.addKeyVersion('vm2', () => sealed1, Date.now());
      const vault = new KeyVault(store, masterKeyFromFile(join(dir.path, 'k')));
      const err = await vault.current('vm2').catch((e: Error) => e);
      expect(String(err)).to.contain('does not open under this master key');
      await broker.close();
    } finally {
      dir.remove();
    }
  });
});
