import type { Homeserver } from './validators.js';

/**
 * Audio/video calls: which stack serves which clients, and what each stack needs. One place
 * that the inventory, the DNS expectations, the preflight ports and `verify` all read, so they
 * cannot disagree. docs/calls.md explains the choice to users.
 *
 * - element-call: MatrixRTC with LiveKit (MDAD's `matrix_rtc_enabled`). Element X (iOS,
 *   Android) and Element Web call this way. Synapse only (experimental Matrix features).
 * - jitsi: Jitsi Meet at jitsi.<domain> with coturn, used through Element Web's Jitsi widgets.
 *   Always behind Jitsi's internal authentication with one account per case user.
 */
export const CALL_STACKS = ['element-call', 'jitsi', 'both'] as const;
export type CallStack = (typeof CALL_STACKS)[number];

/** Homeservers that can run Element Call (MatrixRTC needs Synapse's experimental features). */
export const ELEMENT_CALL_HOMESERVERS: readonly Homeserver[] = ['synapse'];

export function defaultCallStack(homeserver: string): CallStack {
  return ELEMENT_CALL_HOMESERVERS.includes(homeserver as Homeserver) ? 'element-call' : 'jitsi';
}

/** Why a stack cannot run on a homeserver, or undefined when it can. */
export function stackProblem(stack: CallStack | undefined, homeserver: string): string | undefined {
  if (stack === undefined || stack === 'jitsi') return undefined;
  if (ELEMENT_CALL_HOMESERVERS.includes(homeserver as Homeserver)) return undefined;
  return `"${stack}" needs Element Call, which runs only on synapse (MatrixRTC uses Synapse's experimental features): use stack: jitsi with homeserver: ${homeserver}, or homeserver: synapse`;
}

/** The parts of the config that decide the call services. */
export interface CallSettings {
  audio_video: {
    enabled: boolean;
    stack?: CallStack | undefined;
    jitsi_allow_anonymous?: boolean | undefined;
  };
  homeserver: string;
}

/** What runs on the server for calls. */
export interface CallServices {
  /** MatrixRTC: LiveKit server + LiveKit JWT service behind matrix.<domain>. */
  elementCall: boolean;
  /** Jitsi Meet at jitsi.<domain>. */
  jitsi: boolean;
  /** coturn, MDAD's TURN server (on with Jitsi). */
  coturn: boolean;
  /** Jitsi asks for a login before a meeting starts. */
  jitsiAuth: boolean;
}

export function callServices(cfg: CallSettings): CallServices {
  const av = cfg.audio_video;
  const stack = av.stack ?? defaultCallStack(cfg.homeserver);
  const elementCall = av.enabled && stack !== 'jitsi';
  const jitsi = av.enabled && stack !== 'element-call';
  return { elementCall, jitsi, coturn: jitsi, jitsiAuth: jitsi && av.jitsi_allow_anonymous !== true };
}

/** The warning for the explicit, documented override that opens Jitsi to anyone. */
export function anonymousJitsiWarning(cfg: CallSettings): string | undefined {
  const s = callServices(cfg);
  if (!s.jitsi || s.jitsiAuth) return undefined;
  return 'audio_video.jitsi_allow_anonymous: Jitsi will let anyone on the internet start a meeting on this server (and use its bandwidth); remove the key to require a login';
}

/** Ports a stack needs open on the server, beyond 80/443/8448 (MDAD's and LiveKit's docs). */
export const CALL_PORTS = {
  elementCall: {
    tcp: ['7881', '5350'],
    udp: ['7882', '3479', '30000-30020'],
  },
  jitsi: {
    tcp: [],
    udp: ['10000'],
  },
  coturn: {
    tcp: ['3478', '5349'],
    udp: ['3478', '5349', '49152-49172'],
  },
} as const;
