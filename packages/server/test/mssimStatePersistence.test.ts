import { expect } from 'chai';
import { NV_DefineSpace, NV_Read, NV_Write, Startup, TPM_ALG, TPM_RH, TPM_SU, TPMA_NV, TpmClient } from '@vtpm/tpm';
import { MssimServer, MssimTransport, StateFiles, StateStore, TpmStateKeeper } from '../src/index.js';
import { useTempDir } from './support/tempDir.js';

const PW = [{ password: '' }];
const INDEX = 0x01500050;

describe('mssim server with a state directory', () => {
  const dir = useTempDir('vtpm-mssim-state-');
  const serve = async () => {
    const { keeper, origin } = await TpmStateKeeper.start({ store: new StateStore({ files: new StateFiles(dir()) }), resumeVolatile: false });
    return { server: await MssimServer.start({ port: 0, keeper }), origin };
  };

  it('stores the permanent state before each response; a new server restores it, waiting for Startup', async () => {
    const first = await serve();
    const transport = await MssimTransport.connect('127.0.0.1', first.server.port);
    await transport.powerOn();
    const client = new TpmClient(transport);
    await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    const publicInfo = { nvIndex: INDEX, nameAlg: TPM_ALG.SHA256, attributes: TPMA_NV.OWNERWRITE | TPMA_NV.OWNERREAD, authPolicy: Buffer.alloc(0), dataSize: 5 };
    await client.run(NV_DefineSpace, { handles: { authHandle: TPM_RH.OWNER }, auth: PW, params: { auth: Buffer.alloc(0), publicInfo } });
    await client.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: INDEX }, auth: PW, params: { data: Buffer.from('mssim'), offset: 0 } });
    const loaded = (await new StateStore({ files: new StateFiles(dir()) }).load())!; // as another process would read it now
    expect(loaded.generation > 1n).to.equal(true);
    await transport.close();
    await first.server.close();

    const second = await serve();
    expect(second.origin).to.equal('restored');
    const t2 = await MssimTransport.connect('127.0.0.1', second.server.port);
    await t2.powerOn();
    const c2 = new TpmClient(t2);
    await c2.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    const { data } = await c2.run(NV_Read, { handles: { authHandle: TPM_RH.OWNER, nvIndex: INDEX }, auth: PW, params: { size: 5, offset: 0 } });
    expect(data.toString()).to.equal('mssim');
    await t2.close();
    await second.server.close();
  });
});
