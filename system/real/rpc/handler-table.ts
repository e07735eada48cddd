import { FlyerError } from '../../env/errors.ts';
import type { RawHandler } from './wire.ts';

/** Handlers by (serviceId, methodId): what a server dispatches to. */
export class HandlerTable {
  readonly #handlers = new Map<number, { readonly name: string; readonly handler: RawHandler }>();

  static #key(serviceId: number, methodId: number): number {
    return serviceId * 65536 + methodId;
  }

  register(options: { serviceId: number; methodId: number; name: string; handler: RawHandler }): void {
    const key = HandlerTable.#key(options.serviceId, options.methodId);
    const existing = this.#handlers.get(key);
    if (existing) {
      throw new FlyerError('INVALID_ARGUMENT',
        `${options.name} (service ${options.serviceId} method ${options.methodId}) is already served by ${existing.name}`);
    }
    this.#handlers.set(key, { name: options.name, handler: options.handler });
  }

  get(serviceId: number, methodId: number): RawHandler | undefined {
    return this.#handlers.get(HandlerTable.#key(serviceId, methodId))?.handler;
  }
}
