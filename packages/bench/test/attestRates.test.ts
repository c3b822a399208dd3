import { expect } from 'chai';
import { DEFAULT_EVENT_LOG, eventLogRates } from '../src/eventLogRates.js';
import { QUOTE_VERIFICATION_NAMES, quoteVerificationRates } from '../src/quoteVerificationRates.js';

const FEW = { ops: 3, warmupSeconds: 0 };

describe('bench attestation rows', function () {
  this.timeout(30000);

  it('verifies genuine ECDSA and RSA quotes with verifyQuote and with node:crypto (every verdict checked)', async () => {
    const results = await quoteVerificationRates(QUOTE_VERIFICATION_NAMES, FEW, 1, () => {});
    expect(results.map((r) => r.name)).to.deep.equal(QUOTE_VERIFICATION_NAMES);
    for (const r of results) for (const rate of [r.nodeVerify, r.nodeImportAndVerify, r.verifyQuote]) expect(rate?.ops).to.equal(3);
  });

  it('parses and replays the default event log', async () => {
    const e = await eventLogRates(DEFAULT_EVENT_LOG, FEW, 1);
    expect(e.file).to.equal('rhel8-uefi.bin');
    expect(e.events).to.be.greaterThan(10);
    expect(e.parseAndReplay?.ops).to.equal(3);
  });
});
