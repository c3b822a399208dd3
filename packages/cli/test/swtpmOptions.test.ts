import { expect } from 'chai';
import { parseSocketOptions } from '../src/args/swtpmOptions.js';
import { UsageError } from '../src/args/usageError.js';

const parse = (line: string) => parseSocketOptions(line.split(' ').filter(Boolean));
const refusal = (line: string): string => {
  try {
    parse(line);
  } catch (e) {
    expect(e).to.be.instanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${line}`);
};

describe('vtpm socket options (swtpm syntax)', () => {
  it("parses the interop script's swtpm command line", () => {
    const o = parse('--tpm2 --server type=tcp,port=2321,bindaddr=127.0.0.1 --ctrl type=tcp,port=2322,bindaddr=127.0.0.1 --tpmstate dir=/tmp/s --flags not-need-init --log file=/tmp/s/swtpm.log,level=1 --pid file=/tmp/s/swtpm.pid -d');
    expect(o.server).to.deep.equal({ host: '127.0.0.1', port: 2321 });
    expect(o.ctrl).to.deep.equal({ host: '127.0.0.1', port: 2322 });
    expect(o.state).to.deep.include({ dir: '/tmp/s', mode: 0o640, key: null, migrationKey: null, anchor: null });
    expect(o.needInit).to.equal(false);
    expect(o.startup).to.equal(null);
    expect(o.log).to.deep.equal({ target: { path: '/tmp/s/swtpm.log' }, level: 1, prefix: '', truncate: false });
    expect(o.pidFile).to.deep.equal({ path: '/tmp/s/swtpm.pid' });
    expect(o.daemon).to.equal(true);
    expect(o.ekCertCaDir).to.equal(null);
    expect(parse('--tpm2 -p 2400 --ek-cert /tmp/ca').ekCertCaDir).to.equal('/tmp/ca');
  });

  it('state options: --key and --migration-key in swtpm syntax, --rollback-anchor', () => {
    const o = parse('--tpm2 -p 2400 --tpmstate dir=/s,mode=0600 --key file=/k,format=binary,mode=aes-256-cbc --migration-key pwdfile=/p,kdf=sha512,remove=true --rollback-anchor nv=0x01500010,password=pw --rollback-tcti swtpm:port=2500');
    expect(o.state.mode).to.equal(0o600);
    expect(o.state.key).to.deep.include({ source: { path: '/k' }, kind: 'key', format: 'binary', remove: false });
    expect(o.state.migrationKey).to.deep.include({ source: { path: '/p' }, kind: 'passphrase', kdf: 'sha512', remove: true });
    expect(o.state.anchor).to.deep.equal({ nvIndex: 0x01500010, password: 'pw', tcti: { kind: 'swtpm', host: '127.0.0.1', port: 2500 } });
    expect(parse('--tpm2 -p 2400 --tpmstate dir=/s --key pwdfd=5').state.key).to.deep.include({ source: { fd: 5 }, kind: 'passphrase', kdf: 'pbkdf2' });
    expect(parse('--tpm2 -p 2400 --tpmstate dir=/s --rollback-anchor file=/a').state.anchor).to.deep.equal({ file: '/a' });
  });

  it('defaults: loopback, TPM waits for CMD_INIT without not-need-init, no control port given', () => {
    const o = parse('--tpm2 --server port=2400');
    expect(o.server).to.deep.equal({ host: '127.0.0.1', port: 2400 });
    expect(o.needInit).to.equal(true);
    expect(o.ctrl).to.equal(null);
  });

  it('startup-clear and startup-state imply not-need-init; startup-none does not', () => {
    expect(parse('--tpm2 -p 2400 --flags startup-clear')).to.include({ needInit: false, startup: 'clear' });
    expect(parse('--tpm2 -p 2400 --flags startup-state')).to.include({ needInit: false, startup: 'state' });
    expect(parse('--tpm2 -p 2400 --flags startup-none')).to.include({ needInit: true, startup: null });
    expect(parse('--tpm2 -p 2400 --flags not-need-init,startup-clear')).to.include({ needInit: false, startup: 'clear' });
  });

  it('takes --opt=value, -p, --locality and --seccomp', () => {
    const o = parse('--tpm2 --server=type=tcp,port=2400 -p 2401 --locality reject-locality-4,allow-set-locality --seccomp action=none');
    expect(o.server.port).to.equal(2401);
    expect(o.rejectLocality4).to.equal(true);
  });

  it('refuses bad flags and values with a message naming them', () => {
    expect(refusal('--server port=2400')).to.match(/--tpm2/);
    expect(refusal('--tpm2')).to.match(/no data port/);
    expect(refusal('--tpm2 --server type=tcp,port=abc')).to.match(/invalid number 'abc'/);
    expect(refusal('--tpm2 --server type=tcp,port=70000')).to.match(/out of range/);
    expect(refusal('--tpm2 --server type=tcp,port=2400,foo=1')).to.match(/unknown parameter 'foo=1'/);
    expect(refusal('--tpm2 --server port=2400,port=2401')).to.match(/given twice/);
    expect(refusal('--tpm2 -p 2400 --flags bogus')).to.match(/unknown parameter 'bogus'/);
    expect(refusal('--tpm2 -p 2400 --flags startup-clear,startup-state')).to.match(/choose one/);
    expect(refusal('--tpm2 -p 2400 --flags startup-deactivated')).to.match(/TPM 1.2/);
    expect(refusal('--tpm2 -p 2400 --bogus')).to.match(/unrecognized option '--bogus'/);
    expect(refusal('--tpm2 -p')).to.match(/needs a value/);
    expect(refusal('--tpm2 -p 2400 stray')).to.match(/unexpected argument 'stray'/);
    expect(refusal('--tpm2 --server type=unixio,path=/tmp/s.sock')).to.match(/unixio is not supported/);
    expect(refusal('--tpm2 -p 2400 --ctrl type=tcp')).to.match(/port=N/);
    expect(refusal('--tpm2 -p 2400 --tpmstate mode=0640')).to.match(/dir=DIR/);
    expect(refusal('--tpm2 -p 2400 --tpmstate dir=/tmp/s,mode=999')).to.match(/octal/);
    expect(refusal('--tpm2 -p 2400 --pid file=a,fd=3')).to.match(/file=PATH or fd=N/);
    expect(refusal('--tpm2 -p 2400 --log level=3')).to.match(/file=PATH/);
    expect(refusal('--tpm2 -p 2400 --key file=/tmp/k')).to.match(/--key needs --tpmstate dir=DIR/);
    expect(refusal('--tpm2 -p 2400 --tpmstate dir=/s --key file=/k,mode=aes-cbc')).to.match(/256-bit keys only/);
    expect(refusal('--tpm2 -p 2400 --tpmstate dir=/s --key file=/k,pwdfile=/p')).to.match(/give one of file=PATH, fd=N, pwdfile=PATH, pwdfd=N/);
    expect(refusal('--tpm2 -p 2400 --tpmstate dir=/s --key pwdfile=/p,format=hex')).to.match(/format= applies to key files/);
    expect(refusal('--tpm2 -p 2400 --tpmstate dir=/s --rollback-anchor nv=0x81000001 --rollback-tcti mssim:port=1')).to.match(/an NV index is/);
    expect(refusal('--tpm2 -p 2400 --tpmstate dir=/s --rollback-anchor nv=0x01500010')).to.match(/needs --rollback-tcti/);
    expect(refusal('--tpm2 -p 2400 --seccomp action=maybe')).to.match(/unknown action/);
  });
});
