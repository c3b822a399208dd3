import { expect } from 'chai';
import { Startup, TPM_SU, Tpm, TpmClient } from '@vtpm/tpm';
import { SwtpmServer, SwtpmTransport } from '@vtpm/server';
import { timeBlobTransfer } from '../src/state/blobTransferTiming.js';
import { measureIdleInstances } from '../src/state/idleInstancesMemory.js';
import { timeInProcessState } from '../src/state/inProcessStateTiming.js';
import { populateTpm } from '../src/state/stateContent.js';

describe('state suite parts (numbers not asserted, only that each part runs)', function () {
  this.timeout(30_000);

  it('populates a TPM, moves its blobs over the control channel, times the in-process parts', async () => {
    const server = await SwtpmServer.start({ port: 0, ctrlPort: 0, tpm: new Tpm() });
    try {
      const transport = await SwtpmTransport.connect('127.0.0.1', server.port);
      const client = new TpmClient(transport);
      await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
      await populateTpm(client);
      await transport.close();
      const t = await timeBlobTransfer('127.0.0.1', server.ctrlPort, 2);
      expect(t.sizes.permanent).to.be.greaterThan(3000); // 3.3 KiB of NV data, two keys
      expect(t.saveMs).to.be.greaterThan(0);
      const p = await timeInProcessState(server.tpm, 2);
      expect(p.durableWriteMs).to.be.greaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('measures idle instances (5)', async () => {
    const m = await measureIdleInstances(5);
    expect(m.instances).to.equal(5);
    expect(m.idleKiB).to.be.lessThan(2048);
  });
});
