import type { CommandName } from '../constants/cc.js';
import { TPM_CC } from '../constants/cc.js';
import type { Codec, StructValue } from '../codec/codec.js';

/** Which authorization a handle needs (Part 3, the "Auth Index" / "Auth Role" column). */
export type AuthRole = 'USER' | 'ADMIN' | 'DUP';

export interface HandleSpec {
  readonly name: string;
  readonly type: Codec<number>;
  /** Present when the handle needs an authorization session (in handle order). */
  readonly auth?: AuthRole;
}

type FieldCodecs = Record<string, Codec<any> | { kind: 'selected' }>;
/** A parameter or response area: a structure whose top-level fields are the numbered parameters. */
export type Area<F extends FieldCodecs = any> = Codec<StructValue<any>> & { fields: F };

/**
 * A TPM command as data (Part 3's command and response tables): the dispatcher and the typed
 * client are both driven by it.
 */
export interface CommandSpec<H extends string = string, P = any, R = any> {
  readonly name: CommandName;
  readonly code: number;
  readonly handles: readonly (HandleSpec & { name: H })[];
  readonly params: Codec<P> & { fields: Record<string, unknown> };
  /** Name of the handle returned in the response handle area, if any. */
  readonly responseHandle?: string;
  readonly response: Codec<R> & { fields: Record<string, unknown> };
}

export type ParamsOf<S> = S extends CommandSpec<any, infer P, any> ? P : never;
export type ResponseOf<S> = S extends CommandSpec<any, any, infer R> ? R : never;
export type HandleNamesOf<S> = S extends CommandSpec<infer H, any, any> ? H : never;

export function defineCommand<const H extends string, P, R>(spec: {
  name: CommandName;
  handles?: readonly (HandleSpec & { name: H })[];
  params: Codec<P> & { fields: Record<string, unknown> };
  responseHandle?: string;
  response: Codec<R> & { fields: Record<string, unknown> };
}): CommandSpec<H, P, R> {
  return { ...spec, code: TPM_CC[spec.name], handles: spec.handles ?? [] };
}
