import { HANDSHAKE, RECORD, type FrameTamper, type FramedSocket } from '../../src/index.js';

export const FAULT_PHASES = ['handshake', 'attestation', 'pre-copy', 'stop-and-copy', 'key-handover', 'commit'] as const;
export type FaultPhase = (typeof FAULT_PHASES)[number];
export const FAULTS = ['cut', 'delay', 'corrupt', 'replay', 'reorder'] as const;
export type Fault = (typeof FAULTS)[number];
export type Direction = 'source->destination' | 'destination->source';

/**
 * Which phase a frame belongs to, for one direction of one connection. Handshake frames and
 * stream records both start with a type byte; the tracker tells them apart by position (records
 * follow the source's keyShare / the destination's accepted). Each phase is recognised by the
 * first frame that only it sends: in pre-copy a page record, in stop-and-copy the vCPU state, in
 * key handover the VM key (source) or `prepared` (destination), in commit `commit` / `committed`.
 */
export class FramePhaseTracker {
  private streaming = false;

  constructor(readonly direction: Direction) {}

  phaseOf(frame: Buffer): FaultPhase | undefined {
    const type = frame[0];
    if (!this.streaming) {
      if (this.direction === 'source->destination' ? type === HANDSHAKE.keyShare : type === HANDSHAKE.accepted) this.streaming = true;
      if (type === HANDSHAKE.authHello || type === HANDSHAKE.authProof || type === HANDSHAKE.hello) return 'handshake';
      if (type === HANDSHAKE.attestation || type === HANDSHAKE.keyShare || type === HANDSHAKE.accepted) return 'attestation';
      return undefined;
    }
    switch (type) {
      case RECORD.page: case RECORD.pageBatch: return this.direction === 'source->destination' ? 'pre-copy' : undefined;
      case RECORD.vcpu: case RECORD.vtpmState: return 'stop-and-copy';
      case RECORD.vmKey: case RECORD.prepared: return 'key-handover';
      case RECORD.commit: case RECORD.committed: return 'commit';
      default: return undefined;
    }
  }
}

/** Phases in which a direction sends frames at all (the destination says nothing during pre-copy and stop-and-copy). */
export const phasesWithFrames = (direction: Direction): readonly FaultPhase[] =>
  direction === 'source->destination' ? FAULT_PHASES : FAULT_PHASES.filter((p) => p !== 'pre-copy' && p !== 'stop-and-copy');

const lengthPrefixed = (frame: Buffer) => {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(frame.length);
  return Buffer.concat([h, frame]);
};

/** Writes frames straight to the TCP socket (behind the tamper hook), unless it is gone. */
const writeRaw = (socket: FramedSocket, frames: Buffer[]) => {
  if (!socket.socket.destroyed) for (const f of frames) socket.socket.write(lengthPrefixed(f));
};

export interface InjectedFault {
  tamper: FrameTamper;
  /** Whether the phase's frame was seen and the fault applied. */
  fired(): boolean;
}

/**
 * A tamper hook applying `fault` to the first frame of `phase` in `direction`, once:
 *  - cut: the connection is closed instead of sending it;
 *  - delay: it and everything after it is held for `delayMs` (beyond the receiver's timeout);
 *  - corrupt: its last octet is flipped (a GCM tag, or the closing brace of a handshake message);
 *  - replay: it is sent twice;
 *  - reorder: it is sent after the next frame. When the sender waits for an answer right after
 *    it (the handshake is ping-pong, commit is last), there is no next frame: it goes out 50 ms
 *    late instead, which the protocol must survive.
 */
export function injectFault(fault: Fault, phase: FaultPhase, direction: Direction, delayMs: number): InjectedFault {
  let tracker = new FramePhaseTracker(direction);
  let fired = false;
  let held: Buffer[] | undefined;
  const tamper: FrameTamper = (frame, index, socket) => {
    if (index === 0) tracker = new FramePhaseTracker(direction); // a new connection
    const framePhase = tracker.phaseOf(frame);
    if (held) {
      held.push(frame);
      if (fault === 'reorder') {
        const swapped = [frame, held[0]!];
        held = undefined;
        return swapped;
      }
      return null;
    }
    if (fired || framePhase !== phase) return frame;
    fired = true;
    switch (fault) {
      case 'cut':
        socket.close();
        return null;
      case 'delay':
        held = [frame];
        setTimeout(() => { writeRaw(socket, held ?? []); held = undefined; }, delayMs).unref();
        return null;
      case 'corrupt': {
        const f = Buffer.from(frame);
        f[f.length - 1]! ^= 0x5a;
        return f;
      }
      case 'replay':
        return [frame, Buffer.from(frame)];
      case 'reorder':
        held = [frame];
        setTimeout(() => { if (held) { writeRaw(socket, held); held = undefined; } }, 50).unref();
        return null;
    }
  };
  return { tamper, fired: () => fired };
}
