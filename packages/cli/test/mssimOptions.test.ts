import { expect } from 'chai';
import { MSSIM_DEFAULT_PORT, parseMssimOptions } from '../src/args/mssimOptions.js';
import { UsageError } from '../src/args/usageError.js';

describe('vtpm mssim options', () => {
  it('defaults to 127.0.0.1:2321 (the mssim TCTI default)', () => {
    expect(parseMssimOptions([])).to.deep.equal({ help: false, host: '127.0.0.1', port: MSSIM_DEFAULT_PORT, stateDir: null, ekCertCaDir: null });
    expect(MSSIM_DEFAULT_PORT).to.equal(2321);
  });

  it('takes --port, --host, --tpmstate dir= and --ek-cert', () => {
    expect(parseMssimOptions(['--port', '2400', '--host', '0.0.0.0', '--tpmstate', 'dir=/tmp/m', '--ek-cert', '/tmp/ca'])).to.deep.equal({ help: false, host: '0.0.0.0', port: 2400, stateDir: '/tmp/m', ekCertCaDir: '/tmp/ca' });
    expect(parseMssimOptions(['--port=0']).port).to.equal(0);
  });

  it('refuses bad values', () => {
    for (const [args, message] of [
      [['--port', 'x'], /invalid number/],
      [['--port', '65535'], /platform port/],
      [['--tpmstate', 'path=/tmp'], /unknown parameter/],
      [['--verbose'], /unrecognized option/],
    ] as const) {
      expect(() => parseMssimOptions(args), args.join(' ')).to.throw(UsageError, message);
    }
  });
});
