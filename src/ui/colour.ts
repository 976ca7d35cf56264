import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/** Colour only on a TTY and never with NO_COLOR set (Node 20's styleText checks neither). */
export function colourEnabled(stream: { isTTY?: boolean } = process.stderr, env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function paint(style: Style, text: string, enabled = colourEnabled()): string {
  return enabled ? styleText(style, text) : text;
}
