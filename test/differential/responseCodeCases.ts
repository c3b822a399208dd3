/**
 * Raw commands whose answers vtpm must give exactly as swtpm/libtpms does: header checks,
 * authorization-area parsing, handle and parameter numbering, and command semantics of the
 * TPM-core slice. Sent in order to both TPMs (state carries over). `exact` cases compare whole
 * responses; the others compare response codes (their bodies hold nonces or tickets).
 */
const hex = (s: string) => {
  const b = Buffer.from(s.replace(/\s+/g, ''), 'hex');
  if (b.length >= 6) b.writeUInt32BE(b.length, 2);
  return b;
};
const PW = '00000009 40000009 0000 01 0000';
const D32 = '11'.repeat(32);
const SAS = (bind: string, nonce: string, rest: string) => hex(`8001 00000000 00000176 40000007 ${bind} ${nonce} ${rest}`);

export interface DifferentialCase {
  name: string;
  bytes: Buffer;
  exact: boolean;
}

const c = (name: string, bytes: Buffer, exact = true): DifferentialCase => ({ name, bytes, exact });

export const RESPONSE_CODE_CASES: DifferentialCase[] = [
  c('command before Startup', hex('8001 00000000 0000017e 00000000')),
  c('unknown command before Startup: COMMAND_CODE wins over INITIALIZE', hex('8001 00000000 00000999')),
  c('Startup(CLEAR)', hex('8001 00000000 00000144 0000')),
  c('second Startup: INITIALIZE', hex('8001 00000000 00000144 0000')),
  c('size field too big', Buffer.from('8001000000ff0000017b0010', 'hex')),
  c('size field too small', Buffer.from('80010000000b0000017b0010', 'hex')),
  c('command larger than MAX_COMMAND_SIZE', hex('8001 00000000 0000017b 0010' + '00'.repeat(5000))),
  c('unknown command code', hex('8001 00000000 00000999')),
  c('PCR_Read: empty selection', hex('8001 00000000 0000017e 00000000')),
  c('PCR_Read: count above HASH_COUNT', hex('8001 00000000 0000017e 00000005')),
  c('PCR_Read: unimplemented hash', hex('8001 00000000 0000017e 00000001 0099 03 ffffff')),
  c('PCR_Read: sizeofSelect 2', hex('8001 00000000 0000017e 00000001 000b 02 ffff')),
  c('PCR_Read: sizeofSelect 4', hex('8001 00000000 0000017e 00000001 000b 04 ffffffff')),
  c('PCR_Read: all of sha256 (8 digests max)', hex('8001 00000000 0000017e 00000001 000b 03 ffffff')),
  c('PCR_Read: sha1 and sha256 PCR 0 and 17', hex('8001 00000000 0000017e 00000002 0004 03 010002 000b 03 010002')),
  c('PCR_Extend without sessions: AUTH_MISSING', hex('8001 00000000 00000182 00000010 00000000')),
  c('PCR_Extend with password', hex(`8002 00000000 00000182 00000010 ${PW} 00000001 000b ${D32}`)),
  c('PCR_Extend of PCR 48: VALUE + handle 1', hex(`8002 00000000 00000182 00000030 ${PW} 00000001 000b ${D32}`)),
  c('PCR_Extend of TPM_RH_NULL is a no-op', hex(`8002 00000000 00000182 40000007 ${PW} 00000001 000b ${D32}`)),
  c('password session with a nonce: NONCE + session 1', hex(`8002 00000000 00000182 00000010 0000000b 40000009 0002 aaaa 01 0000 00000001 000b ${D32}`)),
  c('password session with decrypt: ATTRIBUTES + session 1', hex(`8002 00000000 00000182 00000010 00000009 40000009 0000 20 0000 00000001 000b ${D32}`)),
  c('reserved session attribute: RESERVED_BITS + session 1', hex(`8002 00000000 00000182 00000010 00000009 40000009 0000 08 0000 00000001 000b ${D32}`)),
  c('wrong password on a PCR: BAD_AUTH (DA exempt)', hex(`8002 00000000 00000182 00000010 0000000a 40000009 0000 01 0001 41 00000001 000b ${D32}`)),
  c('session not loaded: REFERENCE_S0', hex(`8002 00000000 00000182 00000010 00000009 02000005 0000 01 0000 00000001 000b ${D32}`)),
  c('not a session handle: VALUE + session 1', hex(`8002 00000000 00000182 00000010 00000009 01000005 0000 01 0000 00000001 000b ${D32}`)),
  c('authorizationSize below minimum', hex(`8002 00000000 00000182 00000010 00000008 40000009 0000 01 0000 00000001 000b ${D32}`)),
  c('authorizationSize not ending on a session', hex(`8002 00000000 00000182 00000010 0000000a 40000009 0000 01 0000 00000001 000b ${D32}`)),
  c('authorizationSize beyond the command', hex(`8002 00000000 00000182 00000010 00000fff 40000009 0000 01 0000 00000001 000b ${D32}`)),
  c('four sessions: SIZE + session 4', hex(`8002 00000000 00000182 00000010 00000024 ${'40000009 0000 01 0000 '.repeat(4)} 00000001 000b ${D32}`)),
  c('two password sessions for one handle', hex(`8002 00000000 00000182 00000010 00000012 ${'40000009 0000 01 0000 '.repeat(2)} 00000001 000b ${D32}`)),
  c('PCR_Extend with no digests', hex(`8002 00000000 00000182 00000010 ${PW} 00000000`)),
  c('PCR_Extend with TPM_ALG_NULL digest: HASH + parameter 1', hex(`8002 00000000 00000182 00000010 ${PW} 00000001 0010`)),
  c('PCR_Extend with a short digest: INSUFFICIENT + parameter 1', hex(`8002 00000000 00000182 00000010 ${PW} 00000001 000b 1111`)),
  c('PCR_Extend of PCR 17 at locality 0: LOCALITY', hex(`8002 00000000 00000182 00000011 ${PW} 00000001 000b ${D32}`)),
  c('PCR_Reset of 16', hex(`8002 00000000 0000013d 00000010 ${PW}`)),
  c('PCR_Reset of 0: LOCALITY', hex(`8002 00000000 0000013d 00000000 ${PW}`)),
  c('PCR_Reset of 17: LOCALITY', hex(`8002 00000000 0000013d 00000011 ${PW}`)),
  c('PCR_Reset of TPM_RH_NULL: VALUE + handle 1', hex(`8002 00000000 0000013d 40000007 ${PW}`)),
  c('PCR_Event', hex(`8002 00000000 0000013c 00000010 ${PW} 0005 68656c6c6f`)),
  c('PCR_Event with 1025 octets: SIZE + parameter 1', hex(`8002 00000000 0000013c 00000010 ${PW} 0401 ${'00'.repeat(1025)}`)),
  c('PCR_Read after extends', hex('8001 00000000 0000017e 00000004 0004 03 ffff01 000b 03 000001 000c 03 000001 000d 03 000001')),
  c('Hash with the NULL hierarchy', hex('8001 00000000 0000017d 0005 68656c6c6f 000b 40000007')),
  c('Hash with TPM_ALG_NULL: HASH + parameter 2', hex('8001 00000000 0000017d 0005 68656c6c6f 0010 40000007')),
  c('Hash with a non-hierarchy: VALUE + parameter 3', hex('8001 00000000 0000017d 0005 68656c6c6f 000b 40000009')),
  c('Hash of 1025 octets: SIZE + parameter 1', hex(`8001 00000000 0000017d 0401 ${'00'.repeat(1025)} 000b 40000007`)),
  c('Hash of 3 octets for the owner: ticket', hex('8001 00000000 0000017d 0003 68656c 000b 40000001'), false),
  c('Hash of TPM_GENERATED data: NULL ticket', hex('8001 00000000 0000017d 0005 ff54434700 000b 40000001')),
  c('StartAuthSession HMAC', SAS('40000007', '0020' + '07'.repeat(32), '0000 00 0010 000b'), false),
  c('StartAuthSession short nonce: SIZE + parameter 1', SAS('40000007', '0008' + '07'.repeat(8), '0000 00 0010 000b')),
  c('StartAuthSession salt without key: VALUE + parameter 2', SAS('40000007', '0020' + '07'.repeat(32), '0002 0101 00 0010 000b')),
  c('StartAuthSession bad type: VALUE + parameter 3', SAS('40000007', '0020' + '07'.repeat(32), '0000 02 0010 000b')),
  c('StartAuthSession AES-CTR: MODE + parameter 4', SAS('40000007', '0020' + '07'.repeat(32), '0000 00 0006 0080 0040 000b')),
  c('StartAuthSession bound to an unloaded object: REFERENCE_H1', SAS('80000000', '0020' + '07'.repeat(32), '0000 00 0010 000b')),
  c('StartAuthSession TPM_ALG_NULL authHash: HASH + parameter 5', SAS('40000007', '0020' + '07'.repeat(32), '0000 00 0010 0010')),
  c('FlushContext of the session', hex('8001 00000000 00000165 02000000')),
  c('FlushContext again: HANDLE + parameter 1', hex('8001 00000000 00000165 02000000')),
  c('FlushContext of a hierarchy: VALUE + parameter 1', hex('8001 00000000 00000165 40000001')),
  c('FlushContext of an empty slot: HANDLE + parameter 1', hex('8001 00000000 00000165 80000000')),
  c('HashSequenceStart', hex('8001 00000000 00000186 0000 000b')),
  c('SequenceUpdate without authorization', hex('8001 00000000 0000015c 80000000 0003 616263')),
  c('SequenceUpdate', hex(`8002 00000000 0000015c 80000000 ${PW} 0003 616263`)),
  c('SequenceComplete with a 3-octet first block: NULL ticket', hex(`8002 00000000 0000013e 80000000 ${PW} 0003 616263 40000001`)),
  c('HashSequenceStart with auth', hex('8001 00000000 00000186 0002 6162 000b')),
  c('SequenceUpdate with the wrong password: BAD_AUTH', hex(`8002 00000000 0000015c 80000000 ${PW} 0005 6162636465`)),
  c('EventSequenceComplete on a hash sequence: MODE + handle 2', hex(`8002 00000000 00000185 00000010 80000000 00000014 40000009 0000 01 0000 40000009 0000 01 0002 6162 0003 616263`)),
  c('FlushContext of the sequence', hex('8001 00000000 00000165 80000000')),
  c('event sequence', hex('8001 00000000 00000186 0000 0010')),
  c('EventSequenceComplete into PCR 16', hex(`8002 00000000 00000185 00000010 80000000 00000012 ${'40000009 0000 01 0000 '.repeat(2)} 0003 616263`)),
  c('three sequences fill the object slots', hex('8001 00000000 00000186 0000 000b')),
  c('second', hex('8001 00000000 00000186 0000 000b')),
  c('third', hex('8001 00000000 00000186 0000 000b')),
  c('fourth: OBJECT_MEMORY', hex('8001 00000000 00000186 0000 000b')),
  c('PCR_Allocate of sha256', hex(`8002 00000000 0000012b 4000000c ${PW} 00000001 000b 03 ffffff`)),
  c('Shutdown(STATE) with an allocation pending: TYPE + parameter 1', hex('8001 00000000 00000145 0001')),
  c('Shutdown with a bad type: VALUE + parameter 1', hex('8001 00000000 00000145 0002')),
];
