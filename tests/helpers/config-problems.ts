import { validateConfig } from '../../src/config/validate.js';
import { UserError } from '../../src/errors.js';

/**
 * The problem lines of a refused config (exit 2, "case.yml has N problem(s):"), or [] when it
 * is accepted: the one way config tests read validation errors.
 */
export function configProblemsOrNone(raw: unknown): string[] {
  try {
    validateConfig(raw, 'case.yml');
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const e = err as UserError;
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/^case\.yml has \d+ problems?:$/);
    return [...e.details];
  }
}

/** The problem lines of a config that must be refused (a test error when it is accepted). */
export function configProblems(raw: unknown): string[] {
  const found = configProblemsOrNone(raw);
  if (found.length === 0) throw new Error('config was accepted');
  return found;
}
