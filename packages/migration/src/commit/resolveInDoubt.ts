import type { VmHost } from '../vmHost.js';
import { askPeer, type AskOptions } from './askPeer.js';
import { commitIncoming, dropIncoming } from './destinationCommit.js';
import { completeOutgoing, resumeOutgoing } from './sourceCommit.js';

/** How an in-doubt outgoing migration ended: the VM is on the destination (scrubbed here), or runs on here again. */
export type OutgoingResolution = 'moved' | 'resumed';
/** How an in-doubt incoming migration ended: the VM runs here, was dropped, or stays prepared (no source address to ask; the source will tell). */
export type IncomingResolution = 'committed' | 'dropped' | 'waiting';

/**
 * The source, holding a commit decision the destination never confirmed, asks it: 'committed' ->
 * scrub here; 'prepared' -> tell it to commit, then scrub; 'unknown' -> it never prepared
 * durably, so the decision took no effect: resume here. Rejects (try again later) while the
 * destination is unreachable; the VM stays paused meanwhile.
 */
export async function resolveOutgoing(source: VmHost, vmId: string, options: AskOptions): Promise<OutgoingResolution> {
  const outgoing = source.outgoing.get(vmId);
  if (!outgoing) throw new Error(`${vmId} has no outgoing migration in doubt on ${source.name}`);
  const { destination, epoch, resolutionKey } = outgoing;
  let answer = await askPeer(destination, vmId, epoch, 'status', resolutionKey, options);
  if (answer === 'prepared') answer = await askPeer(destination, vmId, epoch, 'commit', resolutionKey, options);
  if (answer === 'committed') {
    await completeOutgoing(source, vmId);
    return 'moved';
  }
  if (answer === 'unknown') {
    await resumeOutgoing(source, vmId);
    return 'resumed';
  }
  throw new Error(`the destination ${destination} answered '${answer}' about ${vmId} epoch ${epoch}, which does not settle it`);
}

/**
 * The destination, holding a prepared VM whose commit never came, asks the source: 'commit' ->
 * run it; 'abort' -> scrub it. An epoch already accepted here means the commit did land.
 * Rejects while the source is unreachable; the VM stays prepared (not running) meanwhile.
 */
export async function resolveIncoming(target: VmHost, vmId: string, options: AskOptions): Promise<IncomingResolution> {
  const incoming = target.incoming.get(vmId);
  if (!incoming) throw new Error(`${vmId} has no incoming migration in doubt on ${target.name}`);
  const { source, epoch, resolutionKey } = incoming;
  if ((target.acceptedEpochs.get(vmId) ?? 0n) >= epoch) {
    await commitIncoming(target, vmId);
    return 'committed';
  }
  if (!source) return 'waiting';
  const answer = await askPeer(source, vmId, epoch, 'outcome', resolutionKey, options);
  if (answer === 'commit') {
    await commitIncoming(target, vmId);
    return 'committed';
  }
  if (answer === 'abort') {
    await dropIncoming(target, vmId);
    return 'dropped';
  }
  throw new Error(`the source ${source} answered '${answer}' about ${vmId} epoch ${epoch}, which does not settle it`);
}

export interface InDoubtResult {
  vmId: string;
  role: 'source' | 'destination';
  resolution?: OutgoingResolution | IncomingResolution;
  /** Why it is still in doubt (peer unreachable, ...): try again later. */
  error?: Error;
}

/** One pass over every in-doubt migration of `host` (in-process use; a host daemon retries on its own with backoff). */
export async function resolveInDoubt(host: VmHost, options: AskOptions): Promise<InDoubtResult[]> {
  const { outgoing, incoming } = host.inDoubt();
  const settle = async <R>(vmId: string, role: InDoubtResult['role'], run: () => Promise<R>): Promise<InDoubtResult> => {
    try {
      return { vmId, role, resolution: (await run()) as InDoubtResult['resolution'] };
    } catch (e) {
      return { vmId, role, error: e instanceof Error ? e : new Error(String(e)) };
    }
  };
  return [
    ...(await Promise.all(outgoing.map((vmId) => settle(vmId, 'source', () => resolveOutgoing(host, vmId, options))))),
    ...(await Promise.all(incoming.map((vmId) => settle(vmId, 'destination', () => resolveIncoming(host, vmId, options))))),
  ];
}
