import type { HsState, Session } from './e2ee-state.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface Ctx {
  state: HsState;
  params: Record<string, string>;
  query: URLSearchParams;
  raw: Buffer;
  contentType: string;
  body(): Record<string, unknown>;
  session(): Session;
  token: string | undefined;
  waitForChange(ms: number): Promise<void>;
}

/** A route: the method and the spec's full path template (base path included). */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler(ctx: Ctx): unknown | Promise<unknown>;
}

export const C3 = '/_matrix/client/v3';
