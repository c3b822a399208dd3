import type { Tpm } from '../tpm.js';
import type { CommandSpec, HandleNamesOf, ParamsOf, ResponseOf } from './commandSpec.js';

/** What a handler gets: the parsed handles by name, the typed parameters and the command's locality. */
export interface Call<S extends CommandSpec> {
  readonly handles: Record<HandleNamesOf<S>, number>;
  readonly params: ParamsOf<S>;
  readonly locality: number;
  readonly spec: S;
}

/** The typed response, plus the response handle (under the spec's `responseHandle` name) when it has one. */
export type HandlerResult<S extends CommandSpec> = ResponseOf<S> & Record<string, unknown>;

export type Handler<S extends CommandSpec> = (tpm: Tpm, call: Call<S>) => HandlerResult<S>;

export interface Implementation<S extends CommandSpec = CommandSpec> {
  readonly spec: S;
  readonly handler: Handler<S>;
}

/** Pairs a command descriptor with the function that carries it out. */
export function implement<S extends CommandSpec>(spec: S, handler: Handler<S>): Implementation {
  return { spec, handler: handler as unknown as Handler<CommandSpec> };
}
