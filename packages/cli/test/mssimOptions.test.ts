import { expect } from 'chai';
import { MSSIM_DEFAULT_PORT, parseMssimOptions } from '../src/args/mssimOptions.js';
import { UsageError } from '../src/args/usageError.js';

describe('vtpm mssim options', () => {
  it('defaults to 127.0.0.1:2321 (the mssim TCTI default)', () => {
    expect(parseMssimOptions([])).to.deep.include({ help: false, host: '127.0.0.1', port: MSSIM_DEFAULT_PORT, ekCertCaDir: null });
    expect(parseMssimOptions([]).state.dir).to.equal(null);
    expect(MSSIM_DEFAULT_PORT).to.equal(2321);
  });

  it('takes --port, --host, --tpmstate dir= and --ek-cert', () => {
    const o = parseMssimOptions(['--port', '2400', '--host', '0.0.0.0', '--tpmstate', 'dir=/tmp/m', '--ek-cert', '/tmp/ca']);
    expect(o).to.deep.include({ help: false, host: '0.0.0.0', port: 2400, ekCertCaDir: '/tmp/ca' });
    expect(o.state.dir).to.equal('/tmp/m');
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
