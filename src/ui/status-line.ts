import type { Terminal } from './terminal.js';

export interface StatusInfo {
  stage: string;
  task: string | undefined;
  tasksDone: number;
  elapsedMs: number;
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function formatStatus(info: StatusInfo, width: number): string {
  const text = `[${info.stage}] ${info.tasksDone} tasks · ${formatElapsed(info.elapsedMs)} · ${info.task ?? 'starting'}`;
  const max = Math.max(10, width - 1);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * One line at the bottom of a TTY showing the stage, current task, tasks done and elapsed
 * time. Output lines are printed above it; it is redrawn at most every `intervalMs`.
 */
export class StatusLine {
  private shown = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly terminal: Terminal,
    private readonly info: () => StatusInfo,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    if (!this.terminal.isTTY) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
  }

  /** Print a line of output above the status line. */
  line(text: string): void {
    if (this.shown) {
      this.terminal.write(`\r\u001b[K${text}\n`);
      this.shown = false;
    } else {
      this.terminal.write(`${text}\n`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.terminal.write('\r\u001b[K');
    this.shown = false;
  }

  private draw(): void {
    const text = formatStatus(this.info(), this.terminal.columns());
    const styled = this.terminal.colour ? `\u001b[2m${text}\u001b[22m` : text;
    this.terminal.write(`\r\u001b[K${styled}`);
    this.shown = true;
  }
}
