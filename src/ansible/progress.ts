import { parse as parseYaml } from 'yaml';

/** What went wrong, from the output: the task, the host and Ansible's message. */
export interface TaskFailure {
  task: string | undefined;
  host: string | undefined;
  kind: 'failed' | 'unreachable' | 'error';
  message: string;
}

const TASK = /^(?:TASK|RUNNING HANDLER) \[(.*)\]\s*\**\s*$/;
const FATAL = /^(?:fatal|failed): \[([^\]]+)\](?: \(item=.*\))?: (FAILED|UNREACHABLE)! =>\s?(.*)$/;
const MAX_BLOCK_LINES = 60;

/**
 * Follows the (ANSI-free) output line by line: the current task, tasks started, and the first
 * failure with its message. Holds at most one failure block, so memory stays bounded.
 */
export class ProgressTracker {
  task: string | undefined;
  tasksStarted = 0;
  failure: TaskFailure | undefined;
  private block: { head: string; lines: string[]; host: string; kind: TaskFailure['kind'] } | undefined;

  feed(line: string): void {
    if (this.block) {
      if (/^\s+\S/.test(line) && this.block.lines.length < MAX_BLOCK_LINES) {
        this.block.lines.push(line);
        return;
      }
      this.closeBlock();
    }
    const task = TASK.exec(line);
    if (task) {
      this.task = task[1];
      this.tasksStarted++;
      return;
    }
    const fatal = FATAL.exec(line);
    if (fatal) {
      this.block = {
        host: fatal[1]!,
        kind: fatal[2] === 'UNREACHABLE' ? 'unreachable' : 'failed',
        head: fatal[3] ?? '',
        lines: [],
      };
      return;
    }
    if (line.startsWith('ERROR!') && !this.failure) {
      this.failure = { task: this.task, host: undefined, kind: 'error', message: line.slice(6).trim() };
    }
  }

  /** Call when the output ends. */
  end(): void {
    if (this.block) this.closeBlock();
  }

  private closeBlock(): void {
    const b = this.block!;
    this.block = undefined;
    if (this.failure && this.failure.kind !== 'error') return;
    this.failure = { task: this.task, host: b.host, kind: b.kind, message: failureMessage(b.head, b.lines) };
  }
}

/** Ansible's message from a result printed as JSON (`{"msg": ...}`) or as YAML lines. */
export function failureMessage(head: string, lines: readonly string[]): string {
  const pick = (data: unknown): string | undefined => {
    if (!data || typeof data !== 'object') return undefined;
    const r = data as Record<string, unknown>;
    const parts: string[] = [];
    if (typeof r.msg === 'string') parts.push(r.msg);
    else if (r.msg !== undefined) parts.push(JSON.stringify(r.msg));
    for (const key of ['stderr', 'module_stderr', 'stdout']) {
      const v = r[key];
      if (typeof v === 'string' && v.trim() !== '' && !parts.includes(v)) parts.push(v.trim());
    }
    return parts.length > 0 ? parts.join('\n') : undefined;
  };
  const trimmed = head.trim();
  if (trimmed.startsWith('{')) {
    try {
      const found = pick(JSON.parse([trimmed, ...lines].join('\n')));
      if (found) return found;
    } catch {
      // fall through to YAML / raw text
    }
  }
  if (lines.length > 0) {
    const indent = Math.min(...lines.map((l) => l.length - l.trimStart().length));
    const text = [trimmed, ...lines.map((l) => l.slice(indent))].filter((l) => l !== '').join('\n');
    try {
      const found = pick(parseYaml(text, { logLevel: 'silent' }));
      if (found) return found;
    } catch {
      // raw text below
    }
    return text;
  }
  return trimmed;
}
