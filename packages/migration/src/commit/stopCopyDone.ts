/** The body of the stream's stopCopyDone record: the epoch once more, where the source answers questions later, and the migration's resolution key. */
export interface StopCopyDone {
  epoch: bigint;
  /** "host:port" of the source daemon's listener, for the destination's questions if the stream breaks; absent in-process. */
  resolveAt?: string;
  resolutionKey: Buffer;
}

export function encodeStopCopyDone(d: StopCopyDone): Buffer {
  return Buffer.from(JSON.stringify({ epoch: d.epoch.toString(), ...(d.resolveAt ? { resolveAt: d.resolveAt } : {}), resolutionKey: d.resolutionKey.toString('base64') }));
}

/** Refuses anything but a well-formed body (the record authenticated, but a buggy or hostile source may still send nonsense). */
export function decodeStopCopyDone(body: Buffer | undefined): StopCopyDone {
  let j: { epoch?: unknown; resolveAt?: unknown; resolutionKey?: unknown };
  try {
    j = JSON.parse(body?.toString() ?? '') as typeof j;
  } catch {
    throw new Error('the stream\'s stopCopyDone record is not the JSON this version sends (epoch, resolveAt, resolutionKey): the source runs an incompatible version');
  }
  const key = typeof j.resolutionKey === 'string' ? Buffer.from(j.resolutionKey, 'base64') : Buffer.alloc(0);
  if (typeof j.epoch !== 'string' || !/^[0-9]{1,20}$/.test(j.epoch)) throw new Error('the stream\'s stopCopyDone record carries no epoch');
  if (key.length !== 32) throw new Error('the stream\'s stopCopyDone record carries no 32-byte resolution key');
  if (j.resolveAt !== undefined && (typeof j.resolveAt !== 'string' || !/^\S+:[0-9]{1,5}$/.test(j.resolveAt))) throw new Error(`the stream's stopCopyDone record names ${JSON.stringify(j.resolveAt)} as the source's address, not host:port`);
  return { epoch: BigInt(j.epoch), ...(j.resolveAt ? { resolveAt: j.resolveAt as string } : {}), resolutionKey: key };
}
